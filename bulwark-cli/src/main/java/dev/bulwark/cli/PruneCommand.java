package dev.bulwark.cli;

import dev.bulwark.util.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bulwark prune}: forgets finished jobs (ledger rows and logs). */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Deletes finished jobs (COMPLETED, PARTIAL, FAILED, CANCELLED) older than a duration: their items, "
                + "attempts, events and logs. Jobs that can still run are never pruned.")
public final class PruneCommand extends HomeCommand {
    @Option(names = "--older-than", paramLabel = "DURATION", required = true,
            description = "Prune jobs that finished more than DURATION ago, e.g. 7d, 12h.")
    String olderThan;

    @Option(names = "--keep-failed", description = "Keep jobs that have failed items (their review queue).")
    boolean keepFailed;

    @Override
    public Integer call() {
        Duration age = Durations.parse(olderThan, "--older-than");
        Home home = homeOptions.resolve();
        try (Home.Lock lock = home.lock(); var ledger = home.openWriter(lock)) {
            Instant before = Instant.now().minus(age);
            List<UUID> pruned = ledger.prune(before, keepFailed);
            for (UUID id : pruned) {
                deleteTree(home.jobLogs(id));
            }
            spec.commandLine().getOut().println("pruned " + pruned.size() + " job" + (pruned.size() == 1 ? "" : "s")
                    + " finished before " + before);
            return ExitCodes.COMPLETED;
        }
    }

    private void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            spec.commandLine().getErr().println("bulwark: warning: cannot delete the logs " + dir + ": " + e.getMessage());
        }
    }
}
