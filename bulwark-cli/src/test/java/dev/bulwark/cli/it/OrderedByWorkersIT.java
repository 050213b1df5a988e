package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.jdbc.PgSchemaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit --ordered-by} run by two worker processes (the packaged jar) on a real PostgreSQL:
 * three folders of five items each, concurrency 3 across the workers, each worker running at most
 * two: the folders' three first items, which wait for each other, need both workers. Each folder's
 * items run strictly one after another in their order, whichever worker takes them, and the
 * folders run side by side.
 */
class OrderedByWorkersIT {
    private static final Duration LONG = Duration.ofMinutes(3);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("ordered_by_it");

    @TempDir
    Path work;

    private BulwarkProcess worker(String name) {
        BulwarkProcess p = BulwarkProcess.start(work, "worker", "--store", PG.url(null), "--home", "home-" + name, "--name", name,
                "--concurrency", "2", "--lease", "10s", "--poll", "200ms", "--grace", "10s");
        PG.closeAfter(p);
        p.awaitStderr(l -> l.startsWith("bulwark: worker " + name + " on "), LONG);
        return p;
    }

    /** One attempt as the ledger holds it. */
    private record Run(String folder, long seq, String worker) {
    }

    private List<Run> runs() {
        List<Run> runs = new ArrayList<>();
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT i.order_key, a.seq, a.worker FROM attempts a "
                     + "JOIN items i ON i.job_pk = a.job_pk AND i.seq = a.seq ORDER BY i.order_key, a.seq, a.number")) {
            while (rs.next()) {
                runs.add(new Run(rs.getString(1), rs.getLong(2), rs.getString(3)));
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
        return runs;
    }

    @Test
    void two_workers_run_each_folder_strictly_in_order_and_the_folders_side_by_side() throws Exception {
        Files.write(work.resolve("items.txt"), IntStream.rangeClosed(1, 3).boxed()
                .flatMap(f -> IntStream.rangeClosed(1, 5).mapToObj(i -> "folder-" + f + "/item-" + i)).toList());
        Path marks = Files.createDirectories(work.resolve("marks"));
        // The items' own record of when they ran: one line as each starts and as it ends, appended to one
        // file by every process of both workers, so the file's order is the order things happened in
        // (the ledger's attempt times are each worker's estimate on the database clock, a few
        // milliseconds apart between workers). Each folder's first item also marks its folder and
        // waits until all three have: it gets past only if the three run at the same time (else
        // --timeout fails it, and the job is PARTIAL).
        Path events = work.resolve("events.log");
        String script = "echo \"start $1\" >> \"" + events + "\"; case \"$1\" in */item-1) touch \"" + marks
                + "/$(dirname \"$1\")\"; while [ \"$(ls \"" + marks + "\" | wc -l)\" -lt 3 ]; do sleep 0.05; done;; esac; "
                + "echo \"end $1\" >> \"" + events + "\"";
        String jobId = BulwarkProcess.run(work, "submit", "--store", PG.url(null), "--items", "items.txt", "--ordered-by", "{//}",
                "--concurrency", "3", "--retries", "0", "--timeout", "60s", "--shell", "--", script).expectExit(0).out().strip();
        BulwarkProcess first = worker("w1");
        BulwarkProcess second = worker("w2");

        BulwarkProcess.await(() -> PG.queryLong("SELECT count(*) FROM jobs WHERE status NOT IN ('QUEUED', 'RUNNING')") == 1, LONG,
                () -> "job not finished\n" + first.describe() + "\n" + second.describe());
        first.sigterm();
        second.sigterm();
        assertThat(first.awaitExit(LONG)).as(first.describe()).isZero();
        assertThat(second.awaitExit(LONG)).as(second.describe()).isZero();

        assertThat(PG.queryLong("SELECT count(*) FROM jobs WHERE status = 'COMPLETED'")).as("job " + jobId).isEqualTo(1);
        List<Run> runs = runs();
        assertThat(runs).hasSize(15);
        List<String> happened = Files.readAllLines(events);
        assertThat(happened).hasSize(30);
        for (int f = 1; f <= 3; f++) {
            String folder = "folder-" + f;
            assertThat(runs.stream().filter(r -> r.folder().equals(folder))).extracting(Run::seq)
                    .containsExactly((f - 1) * 5L + 1, (f - 1) * 5L + 2, (f - 1) * 5L + 3, (f - 1) * 5L + 4, (f - 1) * 5L + 5);
            List<String> own = happened.stream().filter(l -> l.contains(" " + folder + "/")).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                expected.add("start " + folder + "/item-" + i);
                expected.add("end " + folder + "/item-" + i);
            }
            assertThat(own).as(folder + ": each item starts after the one before ended, in order").containsExactlyElementsOf(expected);
        }
        int lastFirstStart = IntStream.rangeClosed(1, 3).map(f -> happened.indexOf("start folder-" + f + "/item-1")).max().orElseThrow();
        int firstFirstEnd = IntStream.rangeClosed(1, 3).map(f -> happened.indexOf("end folder-" + f + "/item-1")).min().orElseThrow();
        assertThat(lastFirstStart).as("the folders' first items overlap in time").isLessThan(firstFirstEnd);
        var byWorker = runs.stream().collect(java.util.stream.Collectors.groupingBy(Run::worker, java.util.TreeMap::new,
                java.util.stream.Collectors.counting()));
        System.out.println("OrderedByWorkersIT: attempts by worker " + byWorker);
        assertThat(byWorker).as("both workers ran items").containsOnlyKeys("w1", "w2");
    }
}
