package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerOptions;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Self-fencing of a worker on a real PostgreSQL, its monotonic clock set by the test and its
 * renewals cut off: a jump of the clock (a pause of the worker, as after SIGSTOP/SIGCONT) to the
 * deadline of its lease makes it stop its attempt and record nothing for it, though the database
 * never told it the lease was lost; a nanosecond before, it goes on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerTickerTest {
    /** Long: the first heartbeat (a third of it) comes long after the test is done. */
    private static final Duration LEASE = Duration.ofSeconds(60);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("ticker");

    private final RunningWorkers running = new RunningWorkers();

    @AfterEach
    void stopWorkers() throws Exception {
        running.stopAll();
    }

    @Test
    void a_worker_whose_clock_jumps_past_the_lease_stops_its_attempt_and_records_nothing() throws Exception {
        FaultyDataSource source = new FaultyDataSource(PG.url(null));
        WorkQueue queue = new WorkQueue(PG.closeAfter(PostgresLedger.open(source, "cut-off ledger")));
        // The worker's renewals do not get through (its link to the database is cut for them).
        source.cutWhen = () -> Thread.currentThread().getName().startsWith("bulwark-worker-heartbeat");
        source.cutCommits.set(true);
        Job job = WorkQueueTest.workerJob(queue, 1, 0, 1);
        AtomicLong ticker = new AtomicLong(-7_000_000_000L);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Worker worker = new Worker(queue, WorkerOptions.builder("w").concurrency(1).lease(LEASE).build(), j -> ctx -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } finally {
                stopped.countDown();
            }
            return AttemptResult.success();
        }, null, BulwarkClock.system(), new Random(3), ticker::get);
        running.start(worker);
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

        // Not a nanosecond before the deadline: lease - 1 % - two ticks of 100 ms (a Java handler stops at once).
        ticker.addAndGet(LEASE.toNanos() - LEASE.toNanos() / 100 - 200_000_000L - 1);
        assertThat(stopped.await(300, TimeUnit.MILLISECONDS)).as("stopped before its deadline").isFalse();
        assertThat(worker.stats().fenced()).isZero();
        ticker.incrementAndGet();
        assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();

        await().atMost(Duration.ofSeconds(30)).until(() -> worker.inFlight() == 0);
        assertThat(worker.stats().fenced()).isEqualTo(1);
        assertThat(worker.stats().interrupted() + worker.stats().succeeded() + worker.stats().stale()).isZero();
        // Nothing recorded: the item is RUNNING under the worker's lease until the database expires it.
        assertThat(queue.ledger().findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.RUNNING);
        assertThat(queue.ledger().attempts(job.id(), 1)).isEmpty();
    }
}
