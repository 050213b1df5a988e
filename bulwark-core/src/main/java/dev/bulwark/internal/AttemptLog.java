package dev.bulwark.internal;

import dev.bulwark.util.FileNames;

import dev.bulwark.engine.OwnIoFault;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.exec.internal.ItemLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One attempt's part of an item's log file, for Java handlers: a header line, the lines the
 * handler logs, and a trailer with the outcome, in the shape the {@code exec} handler writes:
 *
 * <pre>
 * # bulwark job=JOB seq=N item="KEY" scope="SCOPE"|- attempt=N time=ISO-INSTANT handler=java|http|...
 * ...lines from ItemContext.log...
 * # duration_ms=MS outcome=succeeded|failed [class=CLASS category=CATEGORY message="..."]
 * </pre>
 *
 * <p>Thread-safe (one lock); a handler may log from helper threads.
 */
public final class AttemptLog {
    private final Path file;
    private final long startNanos = System.nanoTime();

    private AttemptLog(Path file) {
        this.file = file;
    }

    /** Starts the attempt's part of the log for a Java handler, or returns null when the run keeps no logs. */
    public static AttemptLog begin(AttemptContext ctx) {
        return begin(ctx, "java");
    }

    /**
     * Starts the attempt's part of the log, its header naming {@code handler} (a word, or text
     * that is written as a JSON string), or returns null when the run keeps no logs.
     */
    public static AttemptLog begin(AttemptContext ctx, String handler) {
        if (ctx.logFile() == null) {
            return null;
        }
        AttemptLog log = new AttemptLog(ctx.logFile());
        StringBuilder sb = new StringBuilder(200);
        sb.append("# bulwark job=").append(ctx.jobId()).append(" seq=").append(ctx.seq()).append(" item=");
        ItemLog.appendJsonString(sb, FileNames.escape(ctx.key())); // as the exec handler's header shows it
        sb.append(" scope=");
        if (ctx.item().scope() == null) {
            sb.append('-');
        } else {
            ItemLog.appendJsonString(sb, FileNames.escape(ctx.item().scope()));
        }
        Instant time = ctx.startedAt() != null ? ctx.startedAt() : Instant.now();
        sb.append(" attempt=").append(ctx.attempt()).append(" time=").append(time).append(" handler=");
        ItemLog.appendWord(sb, handler);
        log.line(sb.toString());
        return log;
    }

    /** Appends {@code text} as one line (line breaks inside it are kept as they are). */
    public synchronized void line(String text) {
        Path parent = file.toAbsolutePath().getParent();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends the trailer; a log that cannot be written turns a success into a transient failure. */
    public AttemptResult finish(AttemptResult result) {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        StringBuilder sb = new StringBuilder(120).append("# duration_ms=").append(ms).append(" outcome=");
        if (result.succeeded()) {
            sb.append("succeeded");
        } else {
            sb.append("failed class=").append(result.errorClass().name().toLowerCase(java.util.Locale.ROOT))
                    .append(" category=").append(result.category());
            if (result.message() != null) {
                sb.append(" message=");
                ItemLog.appendJsonString(sb, result.message());
            }
        }
        try {
            line(sb.toString());
            return result;
        } catch (UncheckedIOException e) {
            return OwnIoFault.itemLog(file, e);
        }
    }
}
