package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.Attempt;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.util.Json;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.ItemQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code --ordered-by} from the command line, with real commands: order per folder, folders side by side. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrderedByCliTest extends InProcessCli {

    private Path folders(int count, int files) throws IOException {
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        for (int f = 1; f <= count; f++) {
            Path d = Files.createDirectories(inbox.resolve("node-" + f));
            for (int i = 1; i <= files; i++) {
                Files.writeString(d.resolve(String.format("f%02d.txt", i)), "x\n");
            }
        }
        return inbox;
    }

    private UUID onlyJob() {
        assertThat(bulwark("list", "--home", home.toString(), "--json")).isZero();
        return UUID.fromString(Json.read(out.toString(), JsonNode.class).get(0).get("id").asText());
    }

    @Test
    void each_folder_runs_strictly_in_order_while_the_folders_run_side_by_side() throws IOException {
        Path inbox = folders(3, 5);
        Path marks = Files.createDirectories(tmp.resolve("marks"));
        // Each folder's first item marks its folder and waits until all three folders have marked
        // theirs: it only gets past that if the three run at the same time (else --timeout fails it).
        String script = "case \"$1\" in */f01.txt) touch \"" + marks + "/$(basename \"$(dirname \"$1\")\")\"; "
                + "while [ \"$(ls \"" + marks + "\" | wc -l)\" -lt 3 ]; do sleep 0.05; done;; esac";

        int code = bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--recursive", "--ordered-by", "{//}",
                "--concurrency", "3", "--timeout", "30s", "--retries", "0", "--shell", "--", script);

        assertThat(code).as(err.toString()).isZero();
        UUID job = onlyJob();
        try (SqliteLedger ledger = SqliteLedger.openReadOnly(home.resolve("ledger.db"))) {
            List<Item> items = ledger.items(job, ItemQuery.all(100));
            assertThat(items).hasSize(15).allMatch(i -> i.status() == ItemStatus.SUCCEEDED && i.attempts() == 1);
            Instant latestFirstStart = Instant.MIN;
            Instant earliestFirstEnd = Instant.MAX;
            for (int f = 1; f <= 3; f++) {
                String folder = "node-" + f;
                List<Attempt> runs = items.stream().filter(i -> i.key().contains("/" + folder + "/"))
                        .sorted(Comparator.comparingLong(Item::seq)).map(i -> ledger.attempts(job, i.seq()).get(0)).toList();
                assertThat(runs).hasSize(5);
                for (int k = 1; k < runs.size(); k++) {
                    assertThat(runs.get(k).startedAt()).as(folder + ": item " + (k + 1) + " starts once item " + k + " ended")
                            .isAfterOrEqualTo(runs.get(k - 1).finishedAt());
                }
                latestFirstStart = max(latestFirstStart, runs.get(0).startedAt());
                earliestFirstEnd = min(earliestFirstEnd, runs.get(0).finishedAt());
            }
            assertThat(latestFirstStart).as("the folders' first items overlap in time").isBefore(earliestFirstEnd);
        }
        assertThat(bulwark("status", "--home", home.toString(), job.toString())).isZero();
        assertThat(out.toString()).contains("concurrency 3 ordered by {//}");
    }

    @Test
    void bad_ordered_by_options_are_refused_with_the_value_named() throws IOException {
        String dir = folders(1, 2).toString();

        assertThat(bulwark("run", "--home", home.toString(), "--input", dir, "--recursive", "--ordered", "--ordered-by", "{//}",
                "--", "true")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--ordered-by '{//}' (an order per scope) cannot go with one order over the whole job");
        assertThat(bulwark("run", "--home", home.toString(), "--input", dir, "--recursive", "--ordered-by", "node", "--", "true"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--ordered-by 'node' has no placeholder");
        assertThat(bulwark("run", "--home", home.toString(), "--input", dir, "--recursive", "--ordered-by", "{host}", "--", "true"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--ordered-by '{host}' needs the payload field \"host\"");
        assertThat(Files.exists(home.resolve("ledger.db"))).as("nothing was stored").isFalse();
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
