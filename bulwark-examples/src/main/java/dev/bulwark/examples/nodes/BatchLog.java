package dev.bulwark.examples.nodes;

import dev.bulwark.BatchResult;
import dev.bulwark.Item;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The batch log: one file per batch summarising each run over it (the tokens rejected before
 * queueing, each token's outcome with its attempts and log file, the totals), written from what
 * the ledger recorded. Not thread-safe.
 */
public final class BatchLog {
    private final Path work;
    private final String node;
    private final NodeToken.Checked tokens;
    private Path file;

    public BatchLog(Path work, String node, NodeToken.Checked tokens) {
        this.work = work;
        this.node = node;
        this.tokens = tokens;
    }

    public Path file() {
        return file;
    }

    /** Appends the section of one run ({@code run}, {@code resume}, {@code retry-failed}). */
    public void section(String what, BatchResult result) throws IOException {
        List<String> lines = new ArrayList<>();
        if (file == null) {
            file = work.resolve("batch-" + result.jobId() + ".log");
            lines.add("batch " + result.jobId() + " node=" + node + " created=" + result.job().createdAt());
            lines.add("tokens: " + tokens.accepted().size() + " queued, " + tokens.rejected().size() + " rejected before queueing");
            tokens.rejected().forEach(r -> lines.add("  rejected line " + r.line() + " '" + r.text() + "': " + r.reason()));
        }
        lines.add("");
        lines.add("== " + what + " at " + Instant.now() + ": " + result.status()
                + (result.reason() == null ? "" : " (" + result.reason() + ")"));
        for (Item i : result.items().toList()) {
            String log = i.lastAttempt() == 0 ? "" : " log=logs/" + result.jobId() + "/" + i.seq() + ".log";
            lines.add(String.format(Locale.ROOT, "  #%-3d %-5s %-9s attempts=%d%s%s", i.seq(), i.key(), i.status(),
                    i.attempts(), i.category() == null ? "" : " [" + i.category() + "] " + i.message(), log));
        }
        lines.add(String.format(Locale.ROOT, "  total %d: succeeded %d, failed %d, skipped %d, retries %d, %.1fs",
                result.total(), result.succeeded(), result.failed(), result.skipped(), result.retries(), result.duration().toMillis() / 1000.0));
        Files.write(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
