package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.Engine;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.RetryPolicy;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.jdbc.WorkQueue.Lease;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.ItemQuery;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Circuit breakers shared by workers on a real PostgreSQL: one breaker per scope for the whole
 * cluster, one trial call across all workers, pause and halt.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SharedBreakerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("breaker");

    private final RunningWorkers running = new RunningWorkers();
    private final List<Worker> workers = running.workers;

    @AfterEach
    void stopWorkers() throws Exception {
        running.stopAll();
    }

    private Worker start(WorkQueue queue, String name, ItemHandler handler) {
        Worker worker = new Worker(queue, WorkerOptions.builder(name).concurrency(2).claimBatch(2).lease(Duration.ofSeconds(2))
                .poll(Duration.ofMillis(100)).grace(Duration.ofSeconds(5)).build(), job -> handler, null,
                BulwarkClock.system(), new java.util.Random(3));
        running.start(worker);
        return worker;
    }

    /** A worker job of {@code bad} items in scope "bad" then {@code good} items in scope "good". */
    private static Job job(WorkQueue queue, int bad, int good, BreakerConfig breaker, RetryPolicy retry, int limit) {
        JobConfig config = JobConfig.builder().concurrency(limit).retry(retry).breaker(breaker.scope("{//}")).build();
        try (Engine engine = Engine.builder().ledger(queue.ledger()).build()) {
            Job job = engine.submit("breakers", config, Stream.concat(
                    Stream.iterate(1, i -> i + 1).limit(bad).map(i -> new Engine.ItemSpec("bad/" + i, null, "bad")),
                    Stream.iterate(1, i -> i + 1).limit(good).map(i -> new Engine.ItemSpec("good/" + i, null, "good")))
                    .iterator());
            queue.enqueue(job.id(), 0, limit);
            return job;
        }
    }

    private static BreakerConfig consecutive(int n, BreakerConfig.OnOpen onOpen) {
        return BreakerConfig.of(BreakerPolicy.consecutive(n).withOpen(Duration.ofMinutes(10), 1.0, null)).onOpen(onOpen);
    }

    private static long events(WorkQueue queue, Job job, String type) {
        return queue.ledger().events(job.id(), Integer.MAX_VALUE).stream().filter(e -> e.type().equals(type)).count();
    }

    /** The breaker went round once: it opened, let its trial through and closed, one event of each. */
    private static void assertOpenedTriedAndClosedOnce(WorkQueue queue, Job job) {
        assertThat(events(queue, job, BreakerStatus.OPENED)).isEqualTo(1);
        assertThat(events(queue, job, BreakerStatus.HALF_OPEN)).isEqualTo(1);
        assertThat(events(queue, job, BreakerStatus.CLOSED)).isEqualTo(1);
    }

    private static String breakerState(Job job, String scope) throws SQLException {
        return query("SELECT state FROM breakers WHERE scope = '" + scope + "' AND job_pk = (SELECT pk FROM jobs WHERE id = '"
                + job.id() + "')");
    }

    private static String query(String sql) throws SQLException {
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The open time has passed, as far as the database's clock is concerned. */
    private static void openTimePassed(Job job, String scope) throws SQLException {
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE breakers SET open_until = now() WHERE scope = '" + scope
                    + "' AND job_pk = (SELECT pk FROM jobs WHERE id = '" + job.id() + "')");
        }
    }

    private static Completion outcome(Lease lease, boolean ok) {
        Item item = lease.item();
        Attempt a = new Attempt(item.jobId(), item.seq(), item.lastAttempt(), item.startedAt(), item.startedAt().plusMillis(5),
                ok ? AttemptOutcome.SUCCEEDED : AttemptOutcome.FAILED, ok ? null : ErrorClass.TRANSIENT, ok ? null : "exit",
                null, ok ? 0 : 1, 5, "test", null);
        return Completion.of(a, lease.fence(), ok ? ItemStatus.SUCCEEDED : ItemStatus.FAILED);
    }

    private static List<String> scopes(List<Lease> leases) {
        return leases.stream().map(l -> l.item().breakerScope()).toList();
    }

    @Test
    void claims_leave_out_an_open_scope_and_hand_its_one_trial_to_one_worker_only() throws Exception {
        WorkQueue a = PG.openQueue();
        WorkQueue b = PG.openQueue();
        BreakerConfig breaker = consecutive(2, BreakerConfig.OnOpen.PAUSE);
        Job job = job(a, 6, 6, breaker, RetryPolicy.none(), 20);

        List<Lease> first = a.claim("a", 2, WorkQueueTest.LONG_LEASE); // bad/1, bad/2
        assertThat(scopes(first)).containsExactly("bad", "bad");
        assertThat(a.complete(first.get(0), outcome(first.get(0), false), breaker)).isEmpty();
        CircuitBreaker.Transition opened = b.complete(first.get(1), outcome(first.get(1), false), breaker).orElseThrow();
        assertThat(opened.to()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(opened.reason()).startsWith("2 consecutive failures");
        assertThat(breakerState(job, "bad")).isEqualTo("OPEN");

        // Open: only the other scope is claimed, by any worker.
        List<Lease> good = b.claim("b", 20, WorkQueueTest.LONG_LEASE);
        assertThat(scopes(good)).hasSize(6).containsOnly("good");

        // The open time passed: one claim takes the one trial, no other claim gets an item of that scope.
        openTimePassed(job, "bad");
        List<Lease> trial = a.claim("a", 20, WorkQueueTest.LONG_LEASE);
        assertThat(scopes(trial)).containsExactly("bad");
        assertThat(b.claim("b", 20, WorkQueueTest.LONG_LEASE)).isEmpty();
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).isEmpty();
        assertThat(breakerState(job, "bad")).isEqualTo("HALF_OPEN");

        // The trial succeeds: the breaker closes and the scope's items are claimed again.
        CircuitBreaker.Transition closed = a.complete(trial.get(0), outcome(trial.get(0), true), breaker).orElseThrow();
        assertThat(closed.from()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(closed.to()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(scopes(b.claim("b", 20, WorkQueueTest.LONG_LEASE))).hasSize(3).containsOnly("bad");
        assertOpenedTriedAndClosedOnce(a, job);
    }

    @Test
    void a_manual_breaker_hands_out_no_trial_however_late_until_it_is_reset() throws Exception {
        WorkQueue a = PG.openQueue();
        BreakerConfig breaker = BreakerConfig.of(BreakerPolicy.consecutive(1).withOpen("manual")).onOpen(BreakerConfig.OnOpen.PAUSE);
        Job job = job(a, 3, 0, breaker, RetryPolicy.none(), 20);
        Lease first = a.claim("a", 1, WorkQueueTest.LONG_LEASE).get(0);
        CircuitBreaker.Transition opened = a.complete(first, outcome(first, false), breaker).orElseThrow();
        assertThat(opened.openUntil()).isEqualTo(dev.bulwark.breaker.BreakerState.UNTIL_RESET);
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).isEmpty();

        long jobPk = Long.parseLong(query("SELECT pk FROM jobs WHERE id = '" + job.id() + "'"));
        try (Connection c = PG.db().connect(PG.schema())) {
            assertThat(dev.bulwark.jdbc.internal.PgBreakers.dueTrials(c, jobPk, java.time.Instant.parse("2999-01-01T00:00:00Z")))
                    .as("no trial is due, however late").isEmpty();
        }
        assertThat(a.resetBreaker(job.id(), "bad")).isTrue();
        assertThat(scopes(a.claim("a", 20, WorkQueueTest.LONG_LEASE))).containsExactly("bad", "bad");
    }

    @Test
    void a_breaker_counting_categories_ignores_the_failures_of_other_categories() throws SQLException {
        WorkQueue a = PG.openQueue();
        BreakerConfig breaker = BreakerConfig.of(BreakerPolicy.consecutive(2).withCounting(List.of("timeout"), "--breaker-count"));
        job(a, 4, 0, breaker, RetryPolicy.none(), 20);
        List<Lease> leases = a.claim("a", 4, WorkQueueTest.LONG_LEASE);
        for (Lease l : leases) { // category "exit": not counted
            assertThat(a.complete(l, outcome(l, false), breaker)).isEmpty();
        }
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).isEmpty(); // all done, none left out by a breaker
        assertThat(query("SELECT count(*) FROM breakers WHERE state <> 'CLOSED'")).isEqualTo("0");
    }

    @Test
    void a_rate_breaker_opens_once_the_window_has_its_minimum_of_calls_and_the_rate_is_reached() {
        WorkQueue a = PG.openQueue();
        BreakerConfig breaker = BreakerConfig.of(BreakerPolicy.rate(50, 4, Duration.ofMinutes(1)));
        Job job = job(a, 6, 0, breaker, RetryPolicy.none(), 20);
        List<Lease> leases = a.claim("a", 4, WorkQueueTest.LONG_LEASE);
        assertThat(a.complete(leases.get(0), outcome(leases.get(0), true), breaker)).isEmpty();
        assertThat(a.complete(leases.get(1), outcome(leases.get(1), false), breaker)).isEmpty();
        assertThat(a.complete(leases.get(2), outcome(leases.get(2), true), breaker)).isEmpty(); // 1 of 3 failed
        CircuitBreaker.Transition opened = a.complete(leases.get(3), outcome(leases.get(3), false), breaker).orElseThrow();
        assertThat(opened.reason()).startsWith("failure rate 50% of 4 calls within 1m");
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).isEmpty();
        assertThat(events(a, job, BreakerStatus.OPENED)).isEqualTo(1);
    }

    @Test
    void in_fail_mode_the_items_of_an_open_scope_fail_without_an_attempt() {
        WorkQueue a = PG.openQueue();
        BreakerConfig breaker = BreakerConfig.of(BreakerPolicy.consecutive(1)).onOpen(BreakerConfig.OnOpen.FAIL);
        Job job = job(a, 4, 2, breaker, RetryPolicy.none(), 20);
        Lease first = a.claim("a", 1, WorkQueueTest.LONG_LEASE).get(0);
        a.complete(first, outcome(first, false), breaker).orElseThrow();

        assertThat(scopes(a.claim("a", 20, WorkQueueTest.LONG_LEASE))).containsExactly("good", "good");
        List<Item> rejected = a.ledger().items(job.id(), ItemQuery.all(1_000)).stream()
                .filter(i -> i.key().startsWith("bad/") && i.seq() != first.item().seq()).toList();
        assertThat(rejected).hasSize(3).allSatisfy(i -> {
            assertThat(i.status()).isEqualTo(ItemStatus.FAILED);
            assertThat(i.category()).isEqualTo("breaker-open");
            assertThat(i.message()).startsWith("the breaker of scope bad is open until ");
            assertThat(i.attempts()).isZero();
        });
        assertThat(events(a, job, EngineEvent.ITEM_FAILED)).isEqualTo(3);
    }

    @Test
    void in_fail_mode_a_half_open_scope_keeps_its_items_while_trials_are_left_then_fails_the_rest() throws Exception {
        WorkQueue a = PG.openQueue();
        BreakerConfig breaker = BreakerConfig.of(BreakerPolicy.consecutive(1).withTrials(2)).onOpen(BreakerConfig.OnOpen.FAIL);
        Job job = job(a, 5, 0, breaker, RetryPolicy.none(), 20);
        Lease first = a.claim("a", 1, WorkQueueTest.LONG_LEASE).get(0);
        a.complete(first, outcome(first, false), breaker).orElseThrow();
        openTimePassed(job, "bad");

        Lease trial = a.claim("a", 1, WorkQueueTest.LONG_LEASE).get(0); // one of the two trials; the other is still to take
        assertThat(a.ledger().counts(job.id()).failed()).isEqualTo(1);
        assertThat(a.complete(trial, outcome(trial, true), breaker)).isEmpty(); // 1 of 2 trials succeeded
        List<Lease> second = a.claim("a", 20, WorkQueueTest.LONG_LEASE); // the last trial; then the rest fail without an attempt
        assertThat(second).hasSize(1);
        assertThat(a.ledger().counts(job.id()).failed()).isEqualTo(3);
        assertThat(a.complete(second.get(0), outcome(second.get(0), true), breaker).orElseThrow().to())
                .isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void a_failures_breaker_counts_failures_within_its_window_whatever_succeeded_between_them() {
        WorkQueue a = PG.openQueue();
        BreakerConfig breaker = BreakerConfig.of(BreakerPolicy.failures(2, Duration.ofMinutes(1)));
        Job job = job(a, 5, 0, breaker, RetryPolicy.none(), 20);
        List<Lease> leases = a.claim("a", 3, WorkQueueTest.LONG_LEASE);
        assertThat(a.complete(leases.get(0), outcome(leases.get(0), false), breaker)).isEmpty();
        assertThat(a.complete(leases.get(1), outcome(leases.get(1), true), breaker)).isEmpty();
        CircuitBreaker.Transition opened = a.complete(leases.get(2), outcome(leases.get(2), false), breaker).orElseThrow();
        assertThat(opened.reason()).startsWith("2 failures within 1m");
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).isEmpty();
        assertThat(events(a, job, BreakerStatus.OPENED)).isEqualTo(1);
    }

    @Test
    void a_halt_mode_breaker_of_a_resumed_job_sends_its_trial_once_the_open_time_has_passed() throws Exception {
        WorkQueue a = PG.openQueue();
        BreakerConfig breaker = consecutive(1, BreakerConfig.OnOpen.HALT);
        Job job = job(a, 3, 0, breaker, RetryPolicy.none(), 20);
        Lease first = a.claim("a", 1, WorkQueueTest.LONG_LEASE).get(0);
        a.complete(first, outcome(first, false), breaker).orElseThrow();
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).isEmpty();
        openTimePassed(job, "bad");
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).hasSize(1);
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).isEmpty();
        assertThat(breakerState(job, "bad")).isEqualTo("HALF_OPEN");
    }

    @Test
    void a_failed_trial_reopens_for_longer_and_a_trial_whose_lease_expired_is_handed_out_again() throws Exception {
        WorkQueue a = PG.openQueue();
        BreakerConfig breaker = BreakerConfig.of(BreakerPolicy.consecutive(1).withOpen(Duration.ofMinutes(1), 2.0,
                Duration.ofMinutes(10)));
        Job job = job(a, 4, 0, breaker, RetryPolicy.none(), 20);
        Lease failing = a.claim("a", 1, WorkQueueTest.LONG_LEASE).get(0);
        a.complete(failing, outcome(failing, false), breaker).orElseThrow();

        openTimePassed(job, "bad");
        Lease lost = a.claim("a", 20, Duration.ofMillis(1)).get(0);
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).isEmpty();
        // Its worker died: once the lease is taken back, the trial is free again.
        await().atMost(WAIT).until(() -> a.reclaim("reclaimer", 5, 100).total() == 1);
        Lease trial = a.claim("a", 20, WorkQueueTest.LONG_LEASE).get(0);
        assertThat(trial.item().seq()).isEqualTo(lost.item().seq());

        CircuitBreaker.Transition reopened = a.complete(trial, outcome(trial, false), breaker).orElseThrow();
        assertThat(reopened.from()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(reopened.reason()).startsWith("trial call failed");
        assertThat(Duration.between(reopened.at(), reopened.openUntil())).isEqualTo(Duration.ofMinutes(2));
        assertThat(query("SELECT reopens FROM breakers")).isEqualTo("1");
        assertThat(a.claim("a", 20, WorkQueueTest.LONG_LEASE)).isEmpty();

        // A reset closes it at once, for every worker; Engine.breakers reads the shared events.
        assertThat(a.resetBreaker(job.id(), "bad")).isTrue();
        assertThat(a.resetBreaker(job.id(), "bad")).isFalse();
        assertThat(scopes(a.claim("a", 20, WorkQueueTest.LONG_LEASE))).hasSize(2);
        try (Engine engine = Engine.builder().ledger(a.ledger()).build()) {
            assertThat(engine.breakers(job.id())).isEmpty();
        }
    }

    @Test
    void two_workers_share_one_breaker_the_other_scope_finishes_and_one_trial_closes_it() throws Exception {
        WorkQueue a = PG.openQueue();
        WorkQueue b = PG.openQueue();
        BreakerConfig breaker = consecutive(3, BreakerConfig.OnOpen.PAUSE);
        Job job = job(a, 10, 20, breaker, RetryPolicy.exponential(20, Duration.ofMillis(10), Duration.ofMillis(10)), 4);
        AtomicBoolean healthy = new AtomicBoolean();
        AtomicInteger badRunning = new AtomicInteger();
        AtomicInteger mostBadRunningWhenHealthy = new AtomicInteger();
        CountDownLatch trialMayEnd = new CountDownLatch(1);
        AtomicInteger healthyCalls = new AtomicInteger();
        ItemHandler handler = ctx -> {
            if (!ctx.item().key().startsWith("bad/")) {
                return AttemptResult.success();
            }
            if (!healthy.get()) {
                return AttemptResult.failure(ErrorClass.TRANSIENT, "unreachable", "host down");
            }
            int running = badRunning.incrementAndGet();
            mostBadRunningWhenHealthy.accumulateAndGet(running, Math::max);
            try {
                if (healthyCalls.incrementAndGet() == 1) {
                    trialMayEnd.await(); // the trial call: held until the test has seen no other call start
                }
                return AttemptResult.success();
            } finally {
                badRunning.decrementAndGet();
            }
        };
        Worker wa = start(a, "a", handler);
        Worker wb = start(b, "b", handler);

        // The scope's breaker opens once for the cluster; the other scope runs to its end meanwhile.
        await().atMost(WAIT).until(() -> "OPEN".equals(breakerState(job, "bad")));
        await().atMost(WAIT).until(() -> a.ledger().items(job.id(), ItemQuery.all(1_000)).stream()
                .filter(i -> i.key().startsWith("good/")).allMatch(i -> i.status() == ItemStatus.SUCCEEDED));
        assertThat(events(a, job, BreakerStatus.OPENED)).isEqualTo(1);
        assertThat(a.ledger().findJob(job.id()).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);

        // The open time passes (on the database clock): one trial call runs, on one worker.
        healthy.set(true);
        openTimePassed(job, "bad");
        a.notifyWorkers();
        await().atMost(WAIT).until(() -> badRunning.get() == 1);
        long claimsA = wa.stats().claims();
        long claimsB = wb.stats().claims();
        // Both workers looked for work a few times while the trial ran: neither got another item of that scope.
        await().atMost(WAIT).until(() -> wa.stats().claims() >= claimsA + 3 && wb.stats().claims() >= claimsB + 3);
        assertThat(mostBadRunningWhenHealthy.get()).isEqualTo(1);
        assertThat(breakerState(job, "bad")).isEqualTo("HALF_OPEN");

        trialMayEnd.countDown();
        await().atMost(WAIT).until(() -> a.ledger().findJob(job.id()).orElseThrow().status() == JobStatus.COMPLETED);
        assertThat(breakerState(job, "bad")).isEqualTo("CLOSED");
        assertOpenedTriedAndClosedOnce(a, job);
    }

    @Test
    void in_halt_mode_an_open_breaker_halts_the_job_across_workers() throws Exception {
        WorkQueue a = PG.openQueue();
        WorkQueue b = PG.openQueue();
        Job job = job(a, 5, 50, consecutive(2, BreakerConfig.OnOpen.HALT), RetryPolicy.none(), 2);
        CountDownLatch never = new CountDownLatch(1);
        ItemHandler handler = ctx -> {
            if (ctx.item().key().startsWith("bad/")) {
                return AttemptResult.failure(ErrorClass.TRANSIENT, "refused", "no");
            }
            never.await(); // the other scope's items run until the halt stops them
            return AttemptResult.success();
        };
        start(a, "a", handler);
        start(b, "b", handler);

        await().atMost(WAIT).until(() -> a.ledger().findJob(job.id()).orElseThrow().status() == JobStatus.FAILED);
        Job halted = a.ledger().findJob(job.id()).orElseThrow();
        assertThat(halted.reason()).startsWith("breaker-open: the breaker of scope bad opened (2 consecutive failures");
        assertThat(events(a, job, BreakerStatus.OPENED)).isEqualTo(1);
        assertThat(events(a, job, EngineEvent.JOB_HALTING)).isEqualTo(1);
        await().atMost(WAIT).until(() -> a.ledger().items(job.id(), ItemQuery.all(1_000)).stream()
                .allMatch(i -> i.status().isFinal()));
        assertThat(a.ledger().items(job.id(), ItemQuery.all(1_000))).extracting(Item::status)
                .contains(ItemStatus.SKIPPED).doesNotContain(ItemStatus.SUCCEEDED);
    }
}
