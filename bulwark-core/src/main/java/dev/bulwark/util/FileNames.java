package dev.bulwark.util;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * File names that are not UTF-8. Linux file names are bytes; Java shows the bytes that are not
 * UTF-8 as U+FFFD, so such a name cannot be passed on exactly (the command would get a path that
 * does not exist). Until Bulwark carries names as bytes, such files are skipped with a warning
 * that shows the name exactly, escaped ({@code caf\xe9.txt}).
 */
public final class FileNames {
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
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
            return null; // a real U+FFFD in a UTF-8 name
        } catch (CharacterCodingException e) {
            return escaped(raw);
        }
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

    /** UTF-8 runs as they are, every other byte as {@code \xNN}. */
    private static String escaped(byte[] raw) {
        StringBuilder sb = new StringBuilder(raw.length + 8);
        int i = 0;
        while (i < raw.length) {
            int len = sequenceLength(raw, i);
            if (len > 0) {
                sb.append(new String(raw, i, len, StandardCharsets.UTF_8));
                i += len;
            } else {
                sb.append(String.format(java.util.Locale.ROOT, "\\x%02x", raw[i] & 0xff));
                i++;
            }
        }
        return sb.toString();
    }

    /** The length of the valid UTF-8 sequence at {@code i}, or 0. */
    private static int sequenceLength(byte[] raw, int i) {
        int b = raw[i] & 0xff;
        int len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
        if (len == 0 || i + len > raw.length) {
            return 0;
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw, i, len));
            return len;
        } catch (CharacterCodingException e) {
            return 0;
        }
    }
}
