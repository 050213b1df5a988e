package dev.bulwark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.Attempt;
import dev.bulwark.BulwarkClock;
import dev.bulwark.Item;
import dev.bulwark.JobConfig;
import dev.bulwark.ledger.ItemQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A template's {@code ordered-by} in service mode: each node's items in order, the nodes side by side. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrderedByServerTest {
    @TempDir
    Path dir;

    private ServerFixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void a_template_ordered_by_folder_runs_each_folder_in_order_and_the_folders_side_by_side() throws IOException {
        f = new ServerFixture(dir, "  port: 0\n  workers: 4");
        Path marks = Files.createDirectories(dir.resolve("marks"));
        // Each node's first command marks its node and waits until all three have: only possible
        // when the three run at the same time (else the timeout fails it).
        f.replaceRollbackTemplate("""
                  nodes:
                    command: ['case "$1" in */1) touch "%s/$(dirname "$1")"; while [ "$(ls "%s" | wc -l)" -lt 3 ]; do sleep 0.02; done;; esac; echo "sent $1"']
                    shell: true
                    concurrency: 3
                    retries: 0
                    timeout: 20s
                    ordered-by: '{//}'
                """.formatted(marks, marks));
        f.startServer(BulwarkClock.system());
        List<String> keys = List.of("n1/1", "n1/2", "n1/3", "n2/1", "n2/2", "n2/3", "n3/1", "n3/2", "n3/3");

        String id = f.submit(ServerFixture.ACME, "{\"template\": \"nodes\", \"items\": [\""
                + String.join("\", \"", keys) + "\"]}");
        f.awaitStatus(id, ServerFixture.ACME, "COMPLETED");

        UUID job = UUID.fromString(id);
        assertThat(f.ledger.findJob(job).orElseThrow().config().orderedBy()).isEqualTo("{//}");
        List<Item> items = f.ledger.items(job, ItemQuery.all(100));
        Instant latestFirstStart = Instant.MIN;
        Instant earliestFirstEnd = Instant.MAX;
        for (String node : List.of("n1", "n2", "n3")) {
            List<Attempt> runs = items.stream().filter(i -> i.key().startsWith(node + "/")).sorted(Comparator.comparingLong(Item::seq))
                    .map(i -> f.ledger.attempts(job, i.seq()).get(0)).toList();
            assertThat(runs).hasSize(3);
            for (int k = 1; k < runs.size(); k++) {
                assertThat(runs.get(k).startedAt()).as(node + ": item " + (k + 1) + " starts once item " + k + " ended")
                        .isAfterOrEqualTo(runs.get(k - 1).finishedAt());
            }
            latestFirstStart = latestFirstStart.isAfter(runs.get(0).startedAt()) ? latestFirstStart : runs.get(0).startedAt();
            earliestFirstEnd = earliestFirstEnd.isBefore(runs.get(0).finishedAt()) ? earliestFirstEnd : runs.get(0).finishedAt();
        }
        assertThat(latestFirstStart).as("the nodes' first items overlap in time").isBefore(earliestFirstEnd);
    }

    @Test
    void a_bad_ordered_by_is_refused_with_the_template_named_and_an_item_without_its_field_with_422() throws Exception {
        Path file = dir.resolve("bulwark.yaml");
        Files.writeString(file, "templates:\n  t: {command: [echo], ordered-by: node}\n");
        assertThatThrownBy(() -> ServerConfig.load(file)).hasMessageContaining("templates.t.ordered-by 'node' has no placeholder");

        Files.writeString(file, "templates:\n  t: {command: [echo], ordered-by: '{host}'}\n");
        ServerConfig c = ServerConfig.load(file);
        assertThat(c.templates().get("t").jobConfig(Map.of(), Map.of()).orderedBy()).isEqualTo("{host}");
        assertThatThrownBy(() -> dev.bulwark.server.internal.Submission.parse("{\"template\": \"t\", \"items\": [\"x\"]}".getBytes(),
                c, TierConfig.anonymous(), Map.of()))
                .hasMessageContaining("item 'x'").hasMessageContaining("payload field \"host\"")
                .extracting(e -> ((dev.bulwark.server.internal.Problem) e).status()).isEqualTo(422);
        assertThat(JobConfig.builder().build().orderedBy()).isNull();
    }
}
