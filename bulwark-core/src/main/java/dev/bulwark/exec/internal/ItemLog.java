package dev.bulwark.exec.internal;

import dev.bulwark.util.FileNames;
import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One attempt's part of an item's log file. The file collects every attempt of the item; each
 * attempt appends:
 *
 * <pre>
 * # bulwark job=JOB seq=N item=KEY scope=SCOPE|- attempt=N time=ISO-INSTANT handler=exec command=["argv","as","JSON"]
 * ...the process's stdout and stderr, interleaved as written...
 * # output truncated: N bytes over the cap        (only when the output was longer than the cap)
 * # exit=CODE|- duration_ms=MS outcome=succeeded|failed|timeout|interrupted [class=CLASS category=CATEGORY]
 * </pre>
 *
 * <p>An item key or scope that is empty or holds whitespace, a control character, {@code "} or
 * {@code \} is written as a JSON string, so a header is always exactly one line and a key can
 * never forge one.
 *
 * <p>The child writes straight into the file (the {@link Launcher} opens it in append mode as the
 * child's stdout and stderr; no pipe, no pump thread). The cap is enforced
 * when the attempt ends, by truncating the attempt's output to its first {@code cap} bytes: the
 * disk must hold the full output for the attempt's duration. A background process the command
 * left behind may go on writing into the file after the trailer.
 *
 * <p>The file is written through {@link RandomAccessFile}, not a {@code FileChannel}: an interrupt
 * (a pause or a timeout stopping the attempt) must not close the log under the attempt's feet
 * ({@code ClosedByInterruptException}), since the trailer is still to be written.
 *
 * <p>Not thread-safe: one instance belongs to one attempt.
 */
public final class ItemLog implements Closeable {
    private static final byte[] NEWLINE = {'\n'};
    private static final int TAIL_BYTES = 4096;
    private static final int MAX_LINE_CHARS = 300;

    private final Path file;
    private final RandomAccessFile channel;
    private final long outputStart;
    private long outputEnd = -1;

    private ItemLog(Path file, RandomAccessFile channel, long outputStart) {
        this.file = file;
        this.channel = channel;
        this.outputStart = outputStart;
    }

    /** Opens (creating it and its directories if needed) {@code file} and appends {@code header}. */
    public static ItemLog begin(Path file, String header) throws IOException {
        RandomAccessFile channel;
        try {
            channel = new RandomAccessFile(file.toFile(), "rw");
        } catch (FileNotFoundException e) {
            // The folder may be missing, or just made by another attempt of the same job starting
            // at the same moment: make sure it exists (idempotent) and open once more.
            Path parent = file.toAbsolutePath().getParent();
            if (parent == null) {
                throw e;
            }
            Files.createDirectories(parent);
            channel = new RandomAccessFile(file.toFile(), "rw");
        }
        try {
            writeFully(channel, header.getBytes(StandardCharsets.UTF_8));
            return new ItemLog(file, channel, channel.length());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** Appends {@code # TEXT} as a line of its own (a note from the handler, not the process). */
    public void note(String text) throws IOException {
        ensureLineStart();
        writeFully(channel, ("# " + oneLine(text) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Call once the process has ended: if its output exceeded {@code cap} bytes, keeps the first
     * {@code cap} and appends {@code # output truncated: N bytes over the cap}. Returns N (0 when
     * under the cap).
     */
    public long endOutput(long cap) throws IOException {
        long size = channel.length();
        long over = size - outputStart - cap;
        if (over > 0) {
            channel.setLength(outputStart + cap);
            outputEnd = outputStart + cap;
            ensureLineStart();
            writeFully(channel, ("# output truncated: " + over + " bytes over the cap\n").getBytes(StandardCharsets.UTF_8));
            return over;
        }
        outputEnd = size;
        return 0;
    }

    /** The last non-blank line of this attempt's (kept) output, shortened, or null. Reads at most 4 KiB. */
    public String lastOutputLine() throws IOException {
        long end = outputEnd >= 0 ? outputEnd : channel.length();
        long from = Math.max(outputStart, end - TAIL_BYTES);
        if (end <= from) {
            return null;
        }
        byte[] buffer = new byte[(int) (end - from)];
        channel.seek(from);
        int filled = 0;
        while (filled < buffer.length) {
            int read = channel.read(buffer, filled, buffer.length - filled);
            if (read < 0) {
                break;
            }
            filled += read;
        }
        String tail = new String(buffer, 0, filled, StandardCharsets.UTF_8);
        String[] lines = tail.split("\r?\n|\r");
        for (int i = lines.length - 1; i >= 0; i--) {
            // the first line of the tail may be cut in the middle; use it only if it is all we have
            String line = lines[i].strip();
            if (!line.isEmpty()) {
                return shorten(line);
            }
        }
        return null;
    }

    /** Appends the trailer line ({@code # exit=... duration_ms=... outcome=...}), on a line of its own. */
    public void trailer(String text) throws IOException {
        note(text);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void ensureLineStart() throws IOException {
        long size = channel.length();
        if (size > outputStart) {
            channel.seek(size - 1);
            if (channel.read() != '\n') {
                writeFully(channel, NEWLINE);
            }
        }
    }

    /** Appends {@code bytes} at the current end of the file (the child is not running then, or never will). */
    private static void writeFully(RandomAccessFile channel, byte[] bytes) throws IOException {
        channel.seek(channel.length());
        channel.write(bytes);
    }

    // ---------------------------------------------------------------- header

    /** The header line of one attempt, ending with a newline. */
    public static String header(UUID jobId, long seq, String key, String scope, int attempt, Instant time, List<String> command) {
        StringBuilder sb = new StringBuilder(160 + key.length() * 2);
        sb.append("# bulwark job=").append(jobId)
                .append(" seq=").append(seq)
                .append(" item=");
        appendWord(sb, FileNames.escape(key)); // bytes that are not UTF-8 as \xNN, as everywhere they are shown
        sb.append(" scope=");
        if (scope == null) {
            sb.append('-');
        } else {
            appendWord(sb, FileNames.escape(scope));
        }
        sb.append(" attempt=").append(attempt)
                .append(" time=").append(time)
                .append(" handler=exec command=[");
        for (int i = 0; i < command.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            appendJsonString(sb, FileNames.escape(command.get(i)));
        }
        return sb.append("]\n").toString();
    }

    /** {@code value} as is when it is a plain word, else as a JSON string. */
    public static void appendWord(StringBuilder sb, String value) {
        if (needsQuoting(value)) {
            appendJsonString(sb, value);
        } else {
            sb.append(value);
        }
    }

    private static boolean needsQuoting(String value) {
        if (value.isEmpty() || value.equals("-")) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029
                    || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return true;
            }
        }
        return false;
    }

    /** Appends {@code value} as a JSON string literal. */
    public static void appendJsonString(StringBuilder sb, String value) {
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static String oneLine(String text) {
        if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return text.replace("\r", "\\r").replace("\n", "\\n");
    }

    private static String shorten(String line) {
        return line.length() <= MAX_LINE_CHARS ? line : line.substring(0, MAX_LINE_CHARS) + "…";
    }
}
