package dev.bulwark.util;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * File names that are not UTF-8. Linux file names are bytes; Java shows the bytes that are not
 * UTF-8 as U+FFFD, so such a name cannot be passed on exactly from its {@link Path#toString()}
 * (the command would get a path that does not exist).
 *
 * <p>Bulwark keeps such a name as text in which each byte that is not part of a UTF-8 sequence
 * (always 0x80 to 0xFF) is the code point U+EF00 + byte, one of U+EF80 to U+EFFF (the OPTU-8
 * convention; these code points lie in the Private Use Area, so no assigned character is taken).
 * That text is the item key: the ledger stores it as ordinary UTF-8 text, placeholders
 * ({@code {/}}, {@code {.}}, …) work on it like on any key, {@link #bytes} gives the exact bytes
 * back for the command line, and {@link #escape} shows it with {@code \xNN} for each such byte
 * ({@code caf\xe9.txt}), in status and export. A UTF-8 name that itself holds one of U+EF80 to
 * U+EFFF would be ambiguous, so {@link #text} refuses it.
 */
public final class FileNames {
    /** The code point that stands for byte 0x80; 0xFF is {@code RAW_BASE + 0xff}. */
    private static final int RAW_BASE = 0xEF00;
    private static final char FIRST_RAW = (char) (RAW_BASE + 0x80);
    private static final char LAST_RAW = (char) (RAW_BASE + 0xff);

    private FileNames() {
    }

    /**
     * The file's absolute path with each byte that is not UTF-8 written {@code \xNN}, or null when
     * the whole path is UTF-8.
     */
    public static String notUtf8(Path file) {
        if (file.toString().indexOf('\uFFFD') < 0) {
            return null; // Java shows every byte it cannot decode as U+FFFD
        }
        byte[] raw = rawPath(file);
        if (isUtf8(raw, 0, raw.length)) {
            return null; // a real U+FFFD in a UTF-8 name
        }
        return escape(decode(raw, 0, raw.length));
    }

    /**
     * The path as Bulwark keeps it (relative when {@code file} is): its {@link Path#toString()}
     * when it is UTF-8, else with each byte that is not UTF-8 as one of U+EF80 to U+EFFF.
     *
     * @throws IllegalArgumentException when the name is UTF-8 but holds one of U+EF80 to U+EFFF,
     *                                  which would read back as a raw byte (the message starts with
     *                                  the path, such characters shown {@code \\uXXXX})
     */
    public static String text(Path file) {
        String s = file.toString();
        if (s.indexOf('\uFFFD') >= 0) {
            byte[] raw = rawPath(file);
            if (!isUtf8(raw, 0, raw.length)) {
                // keep as many trailing names as the path has: the absolute prefix was added by rawPath
                int keep = file.getNameCount();
                int start = 0;
                for (int i = raw.length - 1, seen = 0; i >= 0; i--) {
                    if (raw[i] == '/' && ++seen == keep) {
                        start = i + 1;
                        break;
                    }
                }
                String tail = decode(raw, start, raw.length - start);
                return file.isAbsolute() ? "/" + tail : tail;
            }
        }
        return checked(s);
    }

    /**
     * {@code raw} as Bulwark keeps it: UTF-8 decoded, each byte that is not part of UTF-8 as one
     * of U+EF80 to U+EFFF (for names read as bytes, such as {@code find -print0} output).
     *
     * @throws IllegalArgumentException when the UTF-8 text itself holds one of U+EF80 to U+EFFF
     */
    public static String text(byte[] raw) {
        if (!isUtf8(raw, 0, raw.length)) {
            return decode(raw, 0, raw.length);
        }
        return checked(new String(raw, StandardCharsets.UTF_8));
    }

    /** {@code text}, refused when it holds one of U+EF80 to U+EFFF, which would read back as raw bytes. */
    private static String checked(String text) {
        if (hasRawBytes(text)) {
            StringBuilder shown = new StringBuilder(text.length() + 8);
            text.chars().forEach(c -> shown.append(c >= FIRST_RAW && c <= LAST_RAW
                    ? String.format(Locale.ROOT, "\\u%04x", c) : String.valueOf((char) c)));
            throw new IllegalArgumentException(shown + ": the name holds a character from U+EF80 to U+EFFF, which Bulwark"
                    + " reserves for the bytes of names that are not UTF-8 (rename it)");
        }
        return text;
    }

    /**
     * The path {@code text} names, the inverse of {@link #text(Path)}: each of U+EF80 to U+EFFF is
     * the byte it stands for. Relative text gives a relative path.
     */
    public static Path path(String text) {
        if (!hasRawBytes(text)) {
            return Path.of(text);
        }
        Path cwd = Path.of("").toAbsolutePath();
        boolean absolute = text.startsWith("/");
        byte[] raw = bytes(absolute ? text : cwd + "/" + text, StandardCharsets.UTF_8);
        StringBuilder uri = new StringBuilder("file://");
        for (byte b : raw) {
            int c = b & 0xff;
            if (c == '/' || c == '-' || c == '.' || c == '_' || c == '~' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')) {
                uri.append((char) c);
            } else {
                uri.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        Path path = Path.of(java.net.URI.create(uri.toString())); // a file URI carries the bytes exactly
        return absolute ? path : cwd.relativize(path);
    }

    /** Whether {@code s} holds a byte that is not UTF-8 (one of U+EF80 to U+EFFF). */
    public static boolean hasRawBytes(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= FIRST_RAW && c <= LAST_RAW) {
                return true;
            }
        }
        return false;
    }

    /** {@code s} without its raw bytes (U+EF80 to U+EFFF): the part a charset has to encode. */
    public static String withoutRawBytes(String s) {
        if (!hasRawBytes(s)) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < FIRST_RAW || c > LAST_RAW) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * The bytes of {@code s} for a command line or an environment: the text encoded with
     * {@code charset}, each of U+EF80 to U+EFFF as the byte it stands for.
     */
    public static byte[] bytes(String s, Charset charset) {
        if (!hasRawBytes(s)) {
            return s.getBytes(charset);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= FIRST_RAW && c <= LAST_RAW) {
                out.writeBytes(s.substring(from, i).getBytes(charset));
                out.write(c - RAW_BASE);
                from = i + 1;
            }
        }
        out.writeBytes(s.substring(from).getBytes(charset));
        return out.toByteArray();
    }

    /** {@code s} with each byte that is not UTF-8 (U+EF80 to U+EFFF) written {@code \xNN}: how it is shown. */
    public static String escape(String s) {
        if (s == null || !hasRawBytes(s)) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= FIRST_RAW && c <= LAST_RAW) {
                sb.append(String.format(Locale.ROOT, "\\x%02x", c - RAW_BASE));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The absolute path's bytes as the file system holds them: a file URI percent-encodes the path's raw bytes. */
    private static byte[] rawPath(Path file) {
        String path = file.toAbsolutePath().toUri().getRawPath();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                bytes.write(Integer.parseInt(path.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c); // the URI keeps only ASCII unescaped
            }
        }
        return bytes.toByteArray();
    }

    /** UTF-8 runs as they are, every other byte as U+EF00 + byte. */
    private static String decode(byte[] raw, int from, int length) {
        StringBuilder sb = new StringBuilder(length);
        int i = from;
        int end = from + length;
        while (i < end) {
            int len = sequenceLength(raw, i, end);
            if (len > 0) {
                sb.append(new String(raw, i, len, StandardCharsets.UTF_8));
                i += len;
            } else {
                sb.append((char) (RAW_BASE + (raw[i] & 0xff)));
                i++;
            }
        }
        return sb.toString();
    }

    /** The length of the valid UTF-8 sequence at {@code i}, or 0. */
    private static int sequenceLength(byte[] raw, int i, int end) {
        int b = raw[i] & 0xff;
        int len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
        if (len == 0 || i + len > end) {
            return 0;
        }
        return isUtf8(raw, i, len) ? len : 0;
    }

    private static boolean isUtf8(byte[] raw, int from, int length) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw, from, length));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
