package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.jdbc.PgSchemaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit --ordered-by} run by two worker processes (the packaged jar) on a real PostgreSQL:
 * three folders of five items each, concurrency 3 across the workers. Each folder's items run
 * strictly one after another in their order, whichever worker takes them, and the folders run side
 * by side.
 */
class OrderedByWorkersIT {
    private static final Duration LONG = Duration.ofMinutes(3);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("ordered_by_it");

    @TempDir
    Path work;

    private BulwarkProcess worker(String name) {
        BulwarkProcess p = BulwarkProcess.start(work, "worker", "--store", PG.url(null), "--home", "home-" + name, "--name", name,
                "--concurrency", "3", "--lease", "10s", "--poll", "200ms", "--grace", "10s");
        PG.closeAfter(p);
        p.awaitStderr(l -> l.startsWith("bulwark: worker " + name + " on "), LONG);
        return p;
    }

    /** One attempt as the ledger holds it. */
    private record Run(String folder, long seq, Timestamp started, Timestamp finished, String worker) {
    }

    private List<Run> runs() {
        List<Run> runs = new ArrayList<>();
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT i.order_key, a.seq, a.started_at, a.finished_at, a.worker FROM attempts a "
                     + "JOIN items i ON i.job_pk = a.job_pk AND i.seq = a.seq ORDER BY i.order_key, a.seq, a.number")) {
            while (rs.next()) {
                runs.add(new Run(rs.getString(1), rs.getLong(2), rs.getTimestamp(3), rs.getTimestamp(4), rs.getString(5)));
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
        return runs;
    }

    private long query(String sql) {
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new AssertionError("cannot run " + sql, e);
        }
    }

    @Test
    void two_workers_run_each_folder_strictly_in_order_and_the_folders_side_by_side() throws Exception {
        Files.write(work.resolve("items.txt"), IntStream.rangeClosed(1, 3).boxed()
                .flatMap(f -> IntStream.rangeClosed(1, 5).mapToObj(i -> "folder-" + f + "/item-" + i)).toList());
        Path marks = Files.createDirectories(work.resolve("marks"));
        // Each folder's first item marks its folder and waits until all three have: it gets past
        // only if the three run at the same time (else --timeout fails it, and the job is PARTIAL).
        String script = "case \"$1\" in */item-1) touch \"" + marks + "/$(dirname \"$1\")\"; "
                + "while [ \"$(ls \"" + marks + "\" | wc -l)\" -lt 3 ]; do sleep 0.05; done;; esac";
        String jobId = BulwarkProcess.run(work, "submit", "--store", PG.url(null), "--items", "items.txt", "--ordered-by", "{//}",
                "--concurrency", "3", "--retries", "0", "--timeout", "60s", "--shell", "--", script).expectExit(0).out().strip();
        BulwarkProcess first = worker("w1");
        BulwarkProcess second = worker("w2");

        BulwarkProcess.await(() -> query("SELECT count(*) FROM jobs WHERE status NOT IN ('QUEUED', 'RUNNING')") == 1, LONG,
                () -> "job not finished\n" + first.describe() + "\n" + second.describe());
        first.sigterm();
        second.sigterm();
        assertThat(first.awaitExit(LONG)).as(first.describe()).isZero();
        assertThat(second.awaitExit(LONG)).as(second.describe()).isZero();

        assertThat(query("SELECT count(*) FROM jobs WHERE status = 'COMPLETED'")).as("job " + jobId).isEqualTo(1);
        List<Run> runs = runs();
        assertThat(runs).hasSize(15);
        Timestamp latestFirstStart = null;
        Timestamp earliestFirstEnd = null;
        for (int f = 1; f <= 3; f++) {
            String folder = "folder-" + f;
            List<Run> of = runs.stream().filter(r -> r.folder().equals(folder)).toList();
            assertThat(of).extracting(Run::seq).containsExactly((f - 1) * 5L + 1, (f - 1) * 5L + 2, (f - 1) * 5L + 3,
                    (f - 1) * 5L + 4, (f - 1) * 5L + 5);
            for (int k = 1; k < of.size(); k++) {
                assertThat(of.get(k).started()).as(folder + ": item " + (k + 1) + " (worker " + of.get(k).worker()
                        + ") starts once item " + k + " (worker " + of.get(k - 1).worker() + ") ended")
                        .isAfterOrEqualTo(of.get(k - 1).finished());
            }
            latestFirstStart = latestFirstStart == null || of.get(0).started().after(latestFirstStart) ? of.get(0).started() : latestFirstStart;
            earliestFirstEnd = earliestFirstEnd == null || of.get(0).finished().before(earliestFirstEnd) ? of.get(0).finished() : earliestFirstEnd;
        }
        assertThat(latestFirstStart).as("the folders' first items overlap in time").isBefore(earliestFirstEnd);
        System.out.println("OrderedByWorkersIT: attempts by worker " + runs.stream()
                .collect(java.util.stream.Collectors.groupingBy(Run::worker, java.util.TreeMap::new, java.util.stream.Collectors.counting())));
    }
}
