package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobCounts;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.NewItem;
import dev.bulwark.ledger.StaleFenceException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several ledgers on one database, as several worker processes would have: claims, fences and
 * migrations across instances, and what a lost connection does to a write.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PostgresSharedLedgerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("shared");

    private PostgresLedger ledger() {
        return PG.openLedger();
    }

    private PostgresLedger ledger(String extraParameters) {
        return PG.closeAfter(PostgresLedger.open(PG.url(extraParameters), null, null));
    }

    /** Two ledgers on the test's schema, each used by two workers: {@code [a, b, a, b]}. */
    private List<PostgresLedger> fourWorkersOnTwoLedgers() {
        PostgresLedger a = ledger();
        PostgresLedger b = ledger();
        return List.of(a, b, a, b);
    }

    /** Runs {@code tasks} at once, a thread each, and waits for them all; a task's failure fails the test. */
    private static void runConcurrently(List<Callable<Void>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Void>> running = new ArrayList<>();
            for (Callable<Void> task : tasks) {
                running.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            for (Future<Void> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Job jobWithItems(PostgresLedger ledger, int n, boolean ordered) {
        Job job = Job.newJob(UUID.randomUUID(), "shared", JobConfig.builder().ordered(ordered).build(), T0);
        ledger.createJob(job);
        ledger.addItems(job.id(), IntStream.rangeClosed(1, n).mapToObj(i -> new NewItem(i, "item-" + i, null, null)).toList());
        return job;
    }

    private static Completion success(Item item, String worker) {
        return Completion.of(new Attempt(item.jobId(), item.seq(), item.lastAttempt(), item.startedAt(),
                item.startedAt().plusSeconds(1), AttemptOutcome.SUCCEEDED, null, null, null, 0, 1_000, worker, null),
                item.fence(), ItemStatus.SUCCEEDED);
    }

    @Test
    void two_ledgers_claiming_concurrently_never_claim_the_same_item() throws Exception {
        int total = 3_000;
        List<PostgresLedger> workers = fourWorkersOnTwoLedgers();
        Job job = jobWithItems(workers.get(0), total, false);
        ConcurrentHashMap<Long, AtomicInteger> claims = new ConcurrentHashMap<>();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int w = 0; w < workers.size(); w++) {
            PostgresLedger ledger = workers.get(w);
            int batch = 10 + 15 * w;
            String name = "worker-" + w;
            tasks.add(() -> {
                List<CompletableFuture<Void>> outcomes = new ArrayList<>();
                List<Item> claimed;
                while (!(claimed = ledger.claim(job.id(), T0, batch, false)).isEmpty()) {
                    for (Item item : claimed) {
                        claims.computeIfAbsent(item.seq(), k -> new AtomicInteger()).incrementAndGet();
                        outcomes.add(ledger.complete(success(item, name)));
                    }
                }
                outcomes.forEach(CompletableFuture::join);
                return null;
            });
        }
        runConcurrently(tasks);

        assertThat(claims).hasSize(total);
        assertThat(claims.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(workers.get(1).counts(job.id())).isEqualTo(new JobCounts(total, 0, 0, 0, total, 0, 0, 0, 0));
        List<Item> all = workers.get(0).items(job.id(), ItemQuery.all(total));
        assertThat(all.stream().map(Item::fence).distinct()).hasSize(total);
        assertThat(all).allSatisfy(i -> assertThat(i.lastAttempt()).isEqualTo(1));
    }

    @Test
    void ordered_claims_from_two_ledgers_take_one_item_at_a_time_in_sequence_order() throws Exception {
        int total = 200;
        List<PostgresLedger> workers = fourWorkersOnTwoLedgers();
        Job job = jobWithItems(workers.get(0), total, true);
        List<Long> order = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        AtomicBoolean finished = new AtomicBoolean();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (PostgresLedger ledger : workers) {
            tasks.add(() -> {
                while (!finished.get()) {
                    List<Item> claimed = ledger.claim(job.id(), T0, 5, true);
                    if (claimed.isEmpty()) {
                        // Either the open item runs elsewhere, or the job is done.
                        if (ledger.counts(job.id()).succeeded() == total) {
                            finished.set(true);
                        }
                        continue;
                    }
                    assertThat(claimed).hasSize(1);
                    mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    order.add(claimed.get(0).seq());
                    // Counted down before the completion is even queued: a second claim may
                    // only succeed once the completion committed, which is after this.
                    inFlight.decrementAndGet();
                    ledger.complete(success(claimed.get(0), "w")).join();
                }
                return null;
            });
        }
        runConcurrently(tasks);

        assertThat(mostInFlight.get()).isEqualTo(1);
        assertThat(order).containsExactlyElementsOf(IntStream.rangeClosed(1, total).mapToObj(i -> (long) i).toList());
    }

    @Test
    void a_completion_from_an_instance_whose_claim_was_taken_over_is_rejected() {
        PostgresLedger a = ledger();
        PostgresLedger b = ledger();
        Job job = jobWithItems(a, 1, false);
        Item claimedByA = a.claim(job.id(), T0, 1, false).get(0);
        // B decides A is gone, closes A's attempt as interrupted and claims the item itself.
        assertThat(b.recoverInterrupted(job.id(), T0.plusSeconds(30), "worker-b")).isEqualTo(1);
        Item claimedByB = b.claim(job.id(), T0.plusSeconds(30), 1, false).get(0);

        CompletableFuture<Void> late = a.complete(success(claimedByA, "worker-a"));
        b.complete(success(claimedByB, "worker-b")).join();

        assertThatThrownBy(late::join).hasCauseInstanceOf(StaleFenceException.class);
        assertThat(claimedByB.fence()).isGreaterThan(claimedByA.fence());
        assertThat(a.attempts(job.id(), 1)).extracting(Attempt::number, Attempt::outcome, Attempt::worker)
                .containsExactly(org.assertj.core.api.Assertions.tuple(1, AttemptOutcome.INTERRUPTED, "worker-b"),
                        org.assertj.core.api.Assertions.tuple(2, AttemptOutcome.SUCCEEDED, "worker-b"));
        assertThat(a.findItem(job.id(), 1).orElseThrow()).extracting(Item::status, Item::fence)
                .containsExactly(ItemStatus.SUCCEEDED, claimedByB.fence());
    }

    @Test
    void a_stale_completion_racing_a_takeover_is_either_first_or_rejected_never_both() {
        PostgresLedger a = ledger();
        PostgresLedger b = ledger();
        Job job = jobWithItems(a, 50, false);
        List<Item> claimedByA = a.claim(job.id(), T0, 50, false);
        List<CompletableFuture<Void>> fromA = new ArrayList<>();

        // A's completions and B's takeover run at the same time; each item ends up with exactly one outcome.
        for (Item item : claimedByA) {
            fromA.add(a.complete(success(item, "worker-a")));
        }
        int recovered = b.recoverInterrupted(job.id(), T0.plusSeconds(30), "worker-b");
        a.flush();

        long acceptedFromA = fromA.stream().filter(f -> !f.isCompletedExceptionally()).count();
        assertThat(fromA).filteredOn(CompletableFuture::isCompletedExceptionally)
                .allSatisfy(f -> assertThatThrownBy(f::join).hasCauseInstanceOf(StaleFenceException.class));
        assertThat(acceptedFromA + recovered).isEqualTo(50);
        JobCounts counts = b.counts(job.id());
        assertThat(counts.succeeded()).isEqualTo(acceptedFromA);
        assertThat(counts.pending()).isEqualTo(recovered);
        for (Item item : claimedByA) {
            assertThat(a.attempts(job.id(), item.seq())).hasSize(1);
        }
    }

    @Test
    void ledgers_opening_a_new_schema_at_once_migrate_it_exactly_once() throws Exception {
        int openers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(openers);
        try (Connection holder = PG.db().connect(PG.schema()); Statement s = holder.createStatement()) {
            // Hold the migration lock, so that every opener is inside its migration, waiting, before any may go on.
            holder.setAutoCommit(false);
            s.execute(dev.bulwark.jdbc.postgres.PostgresDialect.migrationLockSql());
            List<Future<PostgresLedger>> opening = new ArrayList<>();
            for (int i = 0; i < openers; i++) {
                opening.add(pool.submit(() -> ledger()));
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> advisoryLockWaiters(holder) == openers);
            holder.commit();

            List<PostgresLedger> ledgers = new ArrayList<>();
            for (Future<PostgresLedger> f : opening) {
                ledgers.add(f.get(30, TimeUnit.SECONDS));
            }
            Job job = jobWithItems(ledgers.get(0), 3, false);
            assertThat(ledgers.get(3).claim(job.id(), T0, 10, false)).hasSize(3);
        } finally {
            pool.shutdownNow();
        }
        assertThat(PG.queryLong("SELECT count(*) FROM schema_version"))
                .isEqualTo(dev.bulwark.jdbc.postgres.PostgresDialect.SCRIPTS.size());
    }

    private static int advisoryLockWaiters(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = "
                        + "(SELECT oid FROM pg_database WHERE datname = current_database())")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void a_connection_lost_at_commit_fails_the_outcomes_and_records_none_of_them() throws Exception {
        FaultyDataSource source = new FaultyDataSource(PG.url(null));
        PostgresLedger ledger = PG.closeAfter(PostgresLedger.open(source, "test ledger"));
        Job job = jobWithItems(ledger, 3, false);
        List<Item> claimed = ledger.claim(job.id(), T0, 3, false);

        source.cutCommits.set(true);
        List<CompletableFuture<Void>> outcomes = claimed.stream().map(i -> ledger.complete(success(i, "w"))).toList();
        ledger.flush();
        source.cutCommits.set(false);

        assertThat(outcomes).allSatisfy(f -> assertThatThrownBy(f::join).cause().isInstanceOf(BulwarkException.class)
                .hasMessageContaining("lost the connection").hasMessageContaining("test ledger"));
        assertThat(ledger.items(job.id(), ItemQuery.all(10))).containsExactlyElementsOf(claimed);
        assertThat(ledger.attempts(job.id(), 1)).isEmpty();

        // The connection is back: the same outcomes go through, under the same claims.
        for (Item item : claimed) {
            ledger.complete(success(item, "w")).join();
        }
        assertThat(ledger.counts(job.id()).succeeded()).isEqualTo(3);
    }

    @Test
    void connections_the_server_terminated_are_replaced_and_the_work_goes_through() throws Exception {
        String application = "bulwark-test-" + UUID.randomUUID().toString().substring(0, 8);
        PostgresLedger ledger = ledger("ApplicationName=" + application);
        Job job = jobWithItems(ledger, 4, false);
        List<Item> claimed = ledger.claim(job.id(), T0, 2, false);

        assertThat(terminateBackends(application)).isPositive();

        ledger.complete(success(claimed.get(0), "w")).join();
        assertThat(terminateBackends(application)).isPositive();
        ledger.complete(success(claimed.get(1), "w")).join();
        assertThat(terminateBackends(application)).isPositive();
        assertThat(ledger.claim(job.id(), T0, 10, false)).extracting(Item::seq).containsExactly(3L, 4L);
        assertThat(terminateBackends(application)).isPositive();
        assertThat(ledger.counts(job.id()).succeeded()).isEqualTo(2);
    }

    /** Terminates the server processes of every connection with this application name, waiting until they are gone. */
    private int terminateBackends(String application) throws SQLException {
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                        + "WHERE application_name = '" + application + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void failures_of_a_ledger_are_its_own_and_other_ledgers_go_on() {
        PostgresLedger a = ledger();
        PostgresLedger b = ledger();
        Job job = jobWithItems(a, 2, false);
        List<Item> claimed = a.claim(job.id(), T0, 2, false);
        Attempt bad = new Attempt(job.id(), 1, 1, T0, T0, AttemptOutcome.FAILED, ErrorClass.TRANSIENT, "timeout", "x", null,
                0, "a", null);

        CompletableFuture<Void> invalid = a.complete(new Completion(bad, claimed.get(0).fence(), ItemStatus.RUNNING, null));
        b.complete(success(claimed.get(1), "b")).join();

        assertThatThrownBy(invalid::join).hasCauseInstanceOf(dev.bulwark.InvalidTransitionException.class);
        assertThat(a.findItem(job.id(), 2).orElseThrow().status()).isEqualTo(ItemStatus.SUCCEEDED);
    }
}
