package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.AttemptOutcome;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.jdbc.worker.WorkerStats;
import dev.bulwark.ledger.ItemQuery;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Workers in this JVM on a real PostgreSQL: every item of a job runs to exactly one outcome across
 * workers, through lost leases, terminated connections and a connection dropped right after commit.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WorkerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("worker");

    private final RunningWorkers running = new RunningWorkers();
    private final List<Worker> workers = running.workers;

    @AfterEach
    void stopWorkers() throws Exception {
        running.stopAll();
    }

    private WorkQueue queue(String extra) {
        return new WorkQueue(PG.closeAfter(PostgresLedger.open(PG.url(extra), null, null)));
    }

    /** A queue on a ledger whose connections come from {@code source} (one that fails them on demand). */
    private static WorkQueue queue(FaultyDataSource source, String name) {
        return new WorkQueue(PG.closeAfter(PostgresLedger.open(source, name)));
    }

    private Future<WorkerStats> start(WorkQueue queue, WorkerOptions options, ItemHandler handler) {
        Worker worker = new Worker(queue, options, job -> handler, null, BulwarkClock.system(), new Random(7));
        return running.start(worker);
    }

    private static WorkerOptions.Builder options(String name) {
        return WorkerOptions.builder(name).concurrency(8).claimBatch(20).lease(Duration.ofSeconds(2))
                .poll(Duration.ofMillis(200)).grace(Duration.ofSeconds(5));
    }

    private static void awaitStatus(WorkQueue queue, Job job, JobStatus status) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> queue.ledger().findJob(job.id()).orElseThrow().status() == status);
    }

    private int itemsWithoutExactlyOneSuccess(Job job) throws SQLException {
        return itemsWithoutExactlyOneSuccess(PG, job);
    }

    /** Items of {@code job} in {@code pg}'s schema with other than exactly one succeeded attempt. */
    static int itemsWithoutExactlyOneSuccess(PgSchemaExtension pg, Job job) throws SQLException {
        try (Connection c = pg.db().connect(pg.schema()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) FROM items i WHERE i.job_pk = (SELECT pk FROM jobs WHERE id = '" + job.id() + "') AND "
                        + "(SELECT count(*) FROM attempts a WHERE a.job_pk = i.job_pk AND a.seq = i.seq AND a.outcome = 'SUCCEEDED') <> 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void two_workers_run_every_item_exactly_once_and_the_job_ends_once() throws Exception {
        WorkQueue a = queue(null);
        WorkQueue b = queue(null);
        Job job = WorkQueueTest.workerJob(a, 2_000, 0, 12);
        Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
        ItemHandler handler = ctx -> {
            runs.computeIfAbsent(ctx.seq(), s -> new AtomicInteger()).incrementAndGet();
            return AttemptResult.success();
        };
        Future<WorkerStats> first = start(a, options("a").build(), handler);
        Future<WorkerStats> second = start(b, options("b").build(), handler);

        awaitStatus(a, job, JobStatus.COMPLETED);
        workers.forEach(Worker::stop);
        WorkerStats sa = first.get(30, TimeUnit.SECONDS);
        WorkerStats sb = second.get(30, TimeUnit.SECONDS);

        assertThat(runs).hasSize(2_000).allSatisfy((seq, n) -> assertThat(n.get()).as("runs of item %d", seq).isEqualTo(1));
        assertThat(sa.succeeded() + sb.succeeded()).isEqualTo(2_000);
        assertThat(sa.succeeded()).isPositive();
        assertThat(sb.succeeded()).isPositive();
        assertThat(itemsWithoutExactlyOneSuccess(job)).isZero();
        assertThat(a.ledger().events(job.id(), 100)).extracting(EngineEvent::type).containsOnlyOnce(EngineEvent.JOB_FINISHED);
        assertThat(sa.jobsFinished() + sb.jobsFinished()).isEqualTo(1);
    }

    @Test
    void a_worker_whose_heartbeats_stop_fences_its_attempt_itself_and_records_nothing() throws Exception {
        FaultyDataSource source = new FaultyDataSource(PG.url(null));
        WorkQueue stalling = queue(source, "stalling ledger");
        WorkQueue live = queue(null);
        Job job = WorkQueueTest.oneItemJob(stalling);
        // The stalling worker's heartbeats do not get through (as if its link were cut): its lease runs out.
        source.cutWhen = () -> Thread.currentThread().getName().startsWith("bulwark-worker-heartbeat");
        source.cutCommits.set(true);
        // One slot, held by the attempt that runs until stopped: the stalling worker claims nothing else meanwhile.
        CountDownLatch stopped = new CountDownLatch(1);
        Future<WorkerStats> stalled = start(stalling, options("stalling").concurrency(1).lease(Duration.ofMillis(600)).build(), ctx -> {
            try {
                new CountDownLatch(1).await();
            } finally {
                stopped.countDown();
            }
            return AttemptResult.success();
        });
        Worker stallingWorker = workers.get(0);
        await().atMost(WAIT).until(() -> live.ledger().findItem(job.id(), 1).orElseThrow().status() == ItemStatus.RUNNING);
        // It stops the attempt itself before its lease may have expired, before any other worker is even there.
        assertThat(stopped.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        stallingWorker.stop(); // claims nothing more: the item is the other worker's to run
        WorkerStats s = stalled.get(30, TimeUnit.SECONDS);
        Future<WorkerStats> other = start(live, options("live").build(), ctx -> AttemptResult.success());
        awaitStatus(live, job, JobStatus.COMPLETED);
        workers.forEach(Worker::stop);
        other.get(30, TimeUnit.SECONDS);

        // Nothing recorded by the fenced worker: its attempts (one, or more if it claimed the item again before it
        // stopped) are the reclaimers' interrupted ones.
        assertThat(s.fenced()).isPositive();
        assertThat(s.succeeded() + s.interrupted() + s.stale()).isZero();
        assertThat(itemsWithoutExactlyOneSuccess(job)).isZero();
        List<dev.bulwark.Attempt> attempts = live.ledger().attempts(job.id(), 1);
        assertThat(attempts).hasSize((int) s.fenced() + 1);
        assertThat(attempts.subList(0, attempts.size() - 1)).allSatisfy(a -> {
            assertThat(a.worker()).isEqualTo("stalling");
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.INTERRUPTED);
            assertThat(a.category()).isEqualTo("lease-expired");
        });
        assertThat(attempts.getLast().worker()).isEqualTo("live");
        assertThat(attempts.getLast().outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
    }

    @Test
    void an_outcome_whose_connection_dropped_right_after_commit_is_recorded_once() throws Exception {
        FaultyDataSource source = new FaultyDataSource(PG.url(null));
        WorkQueue queue = queue(source, "faulty ledger");
        Job job = WorkQueueTest.workerJob(queue, 20, 0, 4);
        // The group commits of outcomes go through, and then their connection drops: the worker never hears of them.
        source.dropWhen = () -> Thread.currentThread().getName().startsWith("bulwark-pg-ledger-writer");
        source.dropAfterCommit.set(3);
        Future<WorkerStats> run = start(queue, options("w").build(), ctx -> AttemptResult.success());

        awaitStatus(queue, job, JobStatus.COMPLETED);
        workers.forEach(Worker::stop);
        WorkerStats stats = run.get(30, TimeUnit.SECONDS);

        assertThat(source.dropAfterCommit.get()).isLessThanOrEqualTo(0);
        assertThat(itemsWithoutExactlyOneSuccess(job)).isZero();
        // The retries of outcomes that had committed are rejected: they found their item already recorded.
        assertThat(stats.stale()).isPositive();
        assertThat(stats.succeeded() + stats.stale()).isEqualTo(20);
        assertThat(queue.ledger().counts(job.id()).interruptions()).isZero();
    }

    @Test
    void workers_go_on_when_the_database_terminates_their_connections_mid_job() throws Exception {
        String application = "bulwark-worker-test-" + UUID.randomUUID().toString().substring(0, 8);
        WorkQueue a = queue("ApplicationName=" + application);
        WorkQueue b = queue("ApplicationName=" + application);
        Job job = WorkQueueTest.workerJob(a, 1_500, 0, 16);
        ItemHandler handler = ctx -> {
            if (ctx.seq() % 100 == 0) {
                return AttemptResult.failure(ErrorClass.TRANSIENT, "flaky", "fails once", 75);
            }
            return AttemptResult.success();
        };
        Future<WorkerStats> first = start(a, options("a").build(), ctx -> ctx.attempt() == 1 ? handler.handle(ctx)
                : AttemptResult.success());
        Future<WorkerStats> second = start(b, options("b").build(), ctx -> ctx.attempt() == 1 ? handler.handle(ctx)
                : AttemptResult.success());

        for (int round = 1; round <= 3; round++) {
            long done = 500L * round;
            await().atMost(WAIT).until(() -> a.ledger().counts(job.id()).done() >= Math.min(done, 1_400)
                    || a.ledger().findJob(job.id()).orElseThrow().status().isFinal());
            terminateBackends(application);
        }
        awaitStatus(a, job, JobStatus.COMPLETED);
        workers.forEach(Worker::stop);
        first.get(30, TimeUnit.SECONDS);
        second.get(30, TimeUnit.SECONDS);

        assertThat(itemsWithoutExactlyOneSuccess(job)).isZero();
        assertThat(a.ledger().items(job.id(), ItemQuery.all(2_000))).allSatisfy(i -> assertThat(i.status()).isEqualTo(ItemStatus.SUCCEEDED));
        assertThat(a.ledger().counts(job.id()).retries()).isGreaterThanOrEqualTo(15);
        // Each retry is kept as an event, as the engine keeps them.
        assertThat(a.ledger().events(job.id(), 1_000)).filteredOn(e -> e.type().equals(EngineEvent.ITEM_RETRY_SCHEDULED))
                .hasSizeGreaterThanOrEqualTo(15).allSatisfy(e -> assertThat(e.data()).containsEntry("category", "flaky"));
    }

    @Test
    void a_jobs_limit_holds_across_workers() throws Exception {
        WorkQueue a = queue(null);
        WorkQueue b = queue(null);
        Job job = WorkQueueTest.workerJob(a, 120, 0, 3);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ItemHandler handler = ctx -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // the work of the item
            running.decrementAndGet();
            return AttemptResult.success();
        };
        start(a, options("a").build(), handler);
        start(b, options("b").build(), handler);

        awaitStatus(a, job, JobStatus.COMPLETED);
        // 16 slots between the two workers, but the job allows 3 running items at a time.
        assertThat(most.get()).isBetween(1, 3);
        assertThat(itemsWithoutExactlyOneSuccess(job)).isZero();
    }

    @Test
    void an_idle_worker_wakes_on_the_notification_of_a_new_job_not_at_its_poll() throws Exception {
        WorkQueue queue = queue(null);
        // Polls only every ten minutes: a job that runs at once was announced by NOTIFY.
        Future<WorkerStats> run = start(queue, options("idle").poll(Duration.ofMinutes(10)).build(), ctx -> AttemptResult.success());
        await().atMost(WAIT).until(() -> workers.get(0).stats().claims() >= 1); // it looked once, found nothing, sleeps

        long t0 = System.nanoTime();
        Job job = WorkQueueTest.workerJob(queue, 5, 0, 5);
        awaitStatus(queue, job, JobStatus.COMPLETED);

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        workers.forEach(Worker::stop);
        assertThat(run.get(30, TimeUnit.SECONDS).succeeded()).isEqualTo(5);
    }

    @Test
    void a_critical_failure_halts_the_job_across_workers_and_leaves_every_item_with_an_outcome() throws Exception {
        WorkQueue a = queue(null);
        WorkQueue b = queue(null);
        Job job = WorkQueueTest.workerJob(a, 400, 0, 4);
        ItemHandler handler = ctx -> ctx.seq() == 50
                ? AttemptResult.failure(ErrorClass.CRITICAL, "exit:99", "credentials refused", 99)
                : AttemptResult.success();
        start(a, options("a").concurrency(2).build(), handler);
        start(b, options("b").concurrency(2).build(), handler);

        awaitStatus(a, job, JobStatus.FAILED);
        await().atMost(WAIT).until(() -> a.ledger().counts(job.id()).remaining() == 0);

        Job halted = a.ledger().findJob(job.id()).orElseThrow();
        assertThat(halted.reason()).startsWith("critical error on item 50").contains("credentials refused");
        assertThat(a.ledger().findItem(job.id(), 50).orElseThrow().status()).isEqualTo(ItemStatus.FAILED);
        assertThat(a.ledger().counts(job.id()).skipped()).isPositive();
        assertThat(a.ledger().events(job.id(), 1_000)).extracting(EngineEvent::type).contains(EngineEvent.JOB_HALTING);
    }

    private void terminateBackends(String application) throws SQLException {
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = '" + application + "'");
        }
    }
}
