package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.jdbc.PgSchemaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker processes (the packaged jar) on a real PostgreSQL (embedded unless {@code BULWARK_TEST_PG_URL}
 * names a server): one job of 10,000 items, three workers; one is killed with SIGKILL, another
 * frozen with SIGSTOP past its lease and then continued, and every connection of the database is
 * terminated in the middle. Afterwards every item has exactly one final outcome and exactly one
 * succeeded attempt, the frozen worker had no completion accepted for an item taken over from it,
 * and the job ended once. And two workers sharing one circuit breaker in halt mode.
 */
class WorkersIT {
    private static final int ITEMS = 10_000;
    private static final String LEASE = "2s";
    private static final Duration LONG = Duration.ofMinutes(3);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("workers_it");

    @TempDir
    Path work;

    private String store() {
        return PG.url(null);
    }

    private BulwarkProcess worker(String name) {
        return worker(work, PG, name, 12, 20);
    }

    /**
     * Starts a worker process named {@code name} on {@code pg}'s ledger (lease 2 s, poll 200 ms,
     * grace 10 s), closed after the test; returns once it said it started.
     */
    static BulwarkProcess worker(Path work, PgSchemaExtension pg, String name, int concurrency, int claimBatch) {
        BulwarkProcess p = BulwarkProcess.start(work, "worker", "--store", pg.url(null), "--home", "home-" + name, "--name", name,
                "--concurrency", Integer.toString(concurrency), "--claim-batch", Integer.toString(claimBatch), "--lease", LEASE,
                "--poll", "200ms", "--grace", "10s");
        pg.closeAfter(p);
        p.awaitStderr(l -> l.startsWith("bulwark: worker " + name + " on "), LONG);
        return p;
    }

    private long query(String sql) {
        return query(PG, sql);
    }

    /** The first column of the first row {@code sql} returns in {@code pg}'s schema. */
    static long query(PgSchemaExtension pg, String sql) {
        return pg.queryLong(sql);
    }

    private long done() {
        return query("SELECT count(*) FROM items WHERE status IN ('SUCCEEDED', 'FAILED', 'SKIPPED')");
    }

    private void awaitDone(long atLeast) {
        BulwarkProcess.await(() -> done() >= atLeast, LONG, () -> done() + " of " + ITEMS + " items done, waiting for " + atLeast);
    }

    /**
     * Freezes the worker with SIGSTOP at a moment it holds leases: frozen (or killed next), it cannot
     * finish them, so they must be taken over. (It may have finished those it held just before the signal: then it
     * is continued and frozen again.)
     */
    private void freezeHoldingLeases(BulwarkProcess worker, String name) {
        String held = "SELECT count(*) FROM items WHERE status = 'RUNNING' AND lease_owner = '" + name + "'";
        BulwarkProcess.await(() -> {
            if (query(held) == 0) {
                return false;
            }
            assertThat(BulwarkProcess.signal("STOP", worker.pid())).isTrue();
            if (query(held) > 0) {
                return true;
            }
            assertThat(BulwarkProcess.signal("CONT", worker.pid())).isTrue();
            return false;
        }, LONG, () -> "worker " + name + " never held a lease");
    }

    @Test
    void three_workers_one_killed_one_frozen_past_its_lease_and_the_database_connections_cut_end_every_item_once()
            throws Exception {
        Files.write(work.resolve("items.txt"), IntStream.rangeClosed(1, ITEMS).mapToObj(i -> "item-" + i).toList());
        BulwarkProcess.Result submitted = BulwarkProcess.run(work, "submit", "--store", store(), "--items", "items.txt",
                "--concurrency", "48", "--retries", "2", "--backoff", "100ms", "--", "true").expectExit(0);
        String jobId = submitted.out().strip();
        assertThat(jobId).matches("[0-9a-f-]{36}");
        assertThat(query("SELECT count(*) FROM items")).isEqualTo(ITEMS);

        BulwarkProcess killed = worker("w1");
        BulwarkProcess frozen = worker("w2");
        BulwarkProcess steady = worker("w3");

        awaitDone(ITEMS / 5);
        freezeHoldingLeases(killed, "w1");
        killed.crash();
        assertThat(killed.isAlive()).isFalse();

        awaitDone(ITEMS * 2 / 5);
        freezeHoldingLeases(frozen, "w2");
        // Frozen: its leases run out and the other workers take its items over.
        BulwarkProcess.await(() -> query("SELECT count(*) FROM items WHERE status = 'RUNNING' AND lease_owner = 'w2'") == 0,
                LONG, () -> "items still held by the frozen worker");
        long takenFromFrozen = query("SELECT count(*) FROM attempts WHERE worker = 'w2' AND category = 'lease-expired'");
        assertThat(BulwarkProcess.signal("CONT", frozen.pid())).isTrue();

        awaitDone(ITEMS * 3 / 5);
        // The database drops every connection (as a restart does): the workers reconnect and go on.
        long terminated = query("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                + "WHERE datname = current_database() AND pid <> pg_backend_pid()");
        assertThat(terminated).isPositive();

        BulwarkProcess.await(() -> query("SELECT count(*) FROM jobs WHERE status = 'COMPLETED'") == 1, LONG,
                () -> "job not completed: " + done() + " of " + ITEMS + " done\n" + frozen.describe() + "\n" + steady.describe());
        frozen.sigterm();
        steady.sigterm();
        assertThat(frozen.awaitExit(LONG)).as(frozen.describe()).isZero();
        assertThat(steady.awaitExit(LONG)).as(steady.describe()).isZero();

        // Every item: succeeded, with exactly one succeeded attempt.
        assertThat(query("SELECT count(*) FROM items WHERE status = 'SUCCEEDED'")).isEqualTo(ITEMS);
        assertThat(query("SELECT count(*) FROM items i WHERE (SELECT count(*) FROM attempts a WHERE a.job_pk = i.job_pk "
                + "AND a.seq = i.seq AND a.outcome = 'SUCCEEDED') <> 1")).isZero();
        // Items taken over ran again under a later attempt number.
        assertThat(query("SELECT count(*) FROM attempts x WHERE x.category = 'lease-expired' AND NOT EXISTS (SELECT 1 FROM "
                + "attempts a WHERE a.job_pk = x.job_pk AND a.seq = x.seq AND a.outcome = 'SUCCEEDED' AND a.number > x.number)"))
                .isZero();
        // The killed worker's items were taken over.
        assertThat(query("SELECT count(*) FROM attempts WHERE worker = 'w1' AND category = 'lease-expired'")).isPositive();
        // No outcome of the frozen worker that spanned the freeze was accepted: those were all taken over.
        assertThat(query("SELECT count(*) FROM attempts WHERE worker = 'w2' AND outcome = 'SUCCEEDED' AND duration_ms >= 2000"))
                .isZero();
        assertThat(takenFromFrozen).isPositive();
        assertThat(frozen.stderr()).containsPattern(
                "[1-9][0-9]* completion\\(s\\) rejected as stale|[1-9][0-9]* lease\\(s\\) lost|[1-9][0-9]* attempt\\(s\\) fenced");
        // The job ended once, as COMPLETED.
        assertThat(query("SELECT count(*) FROM events WHERE type = 'job_finished'")).isEqualTo(1);
        Map<String, Long> attemptsByWorker = new TreeMap<>();
        for (String w : List.of("w1", "w2", "w3")) {
            attemptsByWorker.put(w, query("SELECT count(*) FROM attempts WHERE worker = '" + w + "' AND outcome = 'SUCCEEDED'"));
        }
        System.out.println("WorkersIT: succeeded attempts by worker " + attemptsByWorker + ", taken from the frozen worker "
                + takenFromFrozen + ", connections terminated " + terminated);
        assertThat(attemptsByWorker.values()).allSatisfy(n -> assertThat(n).isPositive());
    }

    @Test
    void two_workers_share_one_breaker_that_halts_the_job_and_breaker_list_and_reset_see_it() throws Exception {
        // host-b refuses every call (test exits 1); host-a works. Its items alternate with host-a's.
        Files.write(work.resolve("items.txt"), IntStream.rangeClosed(1, 40)
                .mapToObj(i -> (i % 2 == 0 ? "host-b/" : "host-a/") + i).toList());
        String jobId = BulwarkProcess.run(work, "submit", "--store", store(), "--items", "items.txt", "--concurrency", "4",
                "--retries", "0", "--breaker", "consecutive=3", "--breaker-scope", "{//}", "--on-open", "halt",
                "--", "test", "{//}", "!=", "host-b").expectExit(0).out().strip();
        BulwarkProcess first = worker("w1");
        BulwarkProcess second = worker("w2");

        BulwarkProcess.await(() -> query("SELECT count(*) FROM jobs WHERE status = 'FAILED'") == 1, LONG,
                () -> "job not halted\n" + first.describe() + "\n" + second.describe());
        first.sigterm();
        second.sigterm();
        assertThat(first.awaitExit(LONG)).as(first.describe()).isZero();
        assertThat(second.awaitExit(LONG)).as(second.describe()).isZero();

        // One breaker for both workers: opened once, by three failures of host-b whichever worker ran them.
        assertThat(query("SELECT count(*) FROM events WHERE type = 'breaker_opened'")).isEqualTo(1);
        assertThat(query("SELECT count(*) FROM attempts a JOIN items i ON i.job_pk = a.job_pk AND i.seq = a.seq "
                + "WHERE i.scope = 'host-b' AND a.outcome = 'FAILED'")).isBetween(3L, 6L);
        assertThat(query("SELECT count(*) FROM items WHERE status = 'SKIPPED'")).isPositive();
        String list = BulwarkProcess.run(work, "breaker", "list", "--store", store()).expectExit(0).out();
        assertThat(list).contains(jobId).contains("OPEN").contains("host-b").contains("3 consecutive failures");
        assertThat(BulwarkProcess.run(work, "breaker", "reset", "--store", store(), jobId, "host-b").expectExit(0).out())
                .contains("reset for every worker; continue the job with: bulwark resume --store URL " + jobId);
        assertThat(query("SELECT count(*) FROM breakers WHERE state = 'CLOSED'")).isEqualTo(1);
    }
}
