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
import dev.bulwark.FailureThreshold;
import dev.bulwark.HaltMode;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.RetryPolicy;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.exec.ExecSpec;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerJobControl;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.ledger.ItemQuery;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every policy of a job, honoured by two workers sharing a real PostgreSQL ledger as a run in one
 * process honours it: pause and resume, ordered, time budgets, stop on first failure, halt soon,
 * failure budgets with breakers that fail items, and the rollback after a critical error.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WorkerPoliciesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("policies");

    private final RunningWorkers running = new RunningWorkers();

    @AfterEach
    void stopWorkers() throws Exception {
        running.stopAll();
    }

    private WorkQueue queue() {
        return new WorkQueue(PG.closeAfter(PostgresLedger.open(PG.url(null), null, null)));
    }

    /** A job of {@code n} items (scope {@code scopes.apply(seq)}) handed to the workers. */
    private static Job submit(WorkQueue queue, int n, JobConfig config, Function<Integer, String> scopes) {
        try (Engine engine = Engine.builder().ledger(queue.ledger()).build()) {
            Job job = engine.submit("policies", config, IntStream.rangeClosed(1, n)
                    .mapToObj(i -> new Engine.ItemSpec("item-" + i, null, scopes.apply(i))).iterator());
            queue.enqueue(job.id(), 0, config.concurrency());
            return job;
        }
    }

    private static Job submit(WorkQueue queue, int n, JobConfig config) {
        return submit(queue, n, config, i -> null);
    }

    /** Two workers, each with {@code concurrency} slots, running {@code handler}. */
    private void startTwo(int concurrency, ItemHandler handler) {
        for (String name : List.of("a", "b")) {
            WorkerOptions options = WorkerOptions.builder(name).concurrency(concurrency).claimBatch(10)
                    .lease(Duration.ofSeconds(2)).poll(Duration.ofMillis(200)).grace(Duration.ofSeconds(5)).build();
            running.start(new Worker(queue(), options, job -> handler, null, BulwarkClock.system(), new Random(7)));
        }
    }

    private static Job awaitStatus(WorkQueue queue, Job job, JobStatus status) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> queue.ledger().findJob(job.id()).orElseThrow().status() == status);
        return queue.ledger().findJob(job.id()).orElseThrow();
    }

    private static void awaitNothingRunning(WorkQueue queue, Job job) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> queue.ledger().counts(job.id()).running() == 0);
    }

    private static List<Attempt> attempts(WorkQueue queue, Job job) {
        return queue.ledger().items(job.id(), ItemQuery.all(10_000)).stream()
                .flatMap(i -> queue.ledger().attempts(job.id(), i.seq()).stream()).toList();
    }

    /** Runs until the engine stops the attempt. */
    private static AttemptResult untilStopped() throws InterruptedException {
        new CountDownLatch(1).await();
        return AttemptResult.success();
    }

    @Test
    void pause_interrupts_and_records_the_running_attempts_no_worker_claims_until_resume_and_then_the_job_completes()
            throws Exception {
        WorkQueue queue = queue();
        Job job = submit(queue, 40, JobConfig.builder().concurrency(4).build());
        CountDownLatch fourRunning = new CountDownLatch(4);
        AtomicInteger phase = new AtomicInteger(1);
        startTwo(2, ctx -> {
            if (phase.get() == 1) {
                fourRunning.countDown();
                return untilStopped();
            }
            return AttemptResult.success();
        });
        assertThat(fourRunning.await(60, TimeUnit.SECONDS)).isTrue();

        WorkerJobControl.pause(queue, queue.ledger().findJob(job.id()).orElseThrow(), "paused by the test");
        awaitNothingRunning(queue, job);

        assertThat(queue.ledger().findJob(job.id()).orElseThrow().status()).isEqualTo(JobStatus.PAUSED);
        assertThat(attempts(queue, job)).hasSize(4).allSatisfy(a -> {
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.INTERRUPTED);
            assertThat(a.message()).isEqualTo("stopped by pause");
        });
        assertThat(queue.ledger().counts(job.id()).pending()).isEqualTo(40);
        assertThat(queue.claim("probe", 10, Duration.ofSeconds(5))).isEmpty();

        phase.set(2);
        WorkerJobControl.resume(queue, queue.ledger().findJob(job.id()).orElseThrow());
        awaitStatus(queue, job, JobStatus.COMPLETED);
        assertThat(queue.ledger().counts(job.id()).succeeded()).isEqualTo(40);
    }

    @Test
    void the_items_of_a_dead_worker_in_a_paused_job_come_back_pending_when_their_lease_expires_and_resume_ends_a_finished_job() {
        WorkQueue queue = queue();
        Job job = submit(queue, 1, JobConfig.builder().concurrency(1).build());
        assertThat(queue.claim("dead", 1, WorkerOptions.MIN_LEASE)).hasSize(1);
        WorkerJobControl.pause(queue, queue.ledger().findJob(job.id()).orElseThrow(), "paused by the test");

        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> queue.reclaim("live", 3, 10).total() == 1);
        assertThat(queue.ledger().findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.PENDING);

        // Its one item finished while paused (as if a late outcome had gone through): resume ends the job.
        List<WorkQueue.Lease> none = queue.claim("live", 1, Duration.ofSeconds(5));
        assertThat(none).isEmpty();
        queue.ledger().skipRemaining(job.id(), queue.ledger().databaseNow());
        Job resumed = WorkerJobControl.resume(queue, queue.ledger().findJob(job.id()).orElseThrow());
        assertThat(resumed.status()).isEqualTo(JobStatus.PARTIAL);
    }

    @Test
    void an_ordered_job_runs_its_items_strictly_one_after_another_across_workers_retries_included() throws Exception {
        WorkQueue queue = queue();
        Job job = submit(queue, 30, JobConfig.builder().concurrency(1).ordered(true)
                .retry(RetryPolicy.exponential(2, Duration.ofMillis(200), Duration.ofMillis(200))).build());
        List<Long> starts = new CopyOnWriteArrayList<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger mostConcurrent = new AtomicInteger();
        startTwo(4, ctx -> {
            mostConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            starts.add(ctx.seq());
            try {
                return ctx.seq() == 7 && ctx.attempt() == 1 ? AttemptResult.failure(ErrorClass.TRANSIENT, "flaky", "once")
                        : AttemptResult.success();
            } finally {
                concurrent.decrementAndGet();
            }
        });

        awaitStatus(queue, job, JobStatus.COMPLETED);
        List<Long> expected = new java.util.ArrayList<>(seqs(1, 30));
        expected.add(7, 7L); // item 7 runs twice, before item 8
        assertThat(starts).containsExactlyElementsOf(expected);
        assertThat(mostConcurrent.get()).isEqualTo(1);
    }

    private static List<Long> seqs(long from, long to) {
        return java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void a_job_out_of_its_time_budget_is_halted_across_workers_and_every_item_gets_an_outcome() throws Exception {
        WorkQueue queue = queue();
        Job job = submit(queue, 50, JobConfig.builder().concurrency(4).jobTimeout(Duration.ofMillis(1500)).build());
        startTwo(2, ctx -> untilStopped());

        Job halted = awaitStatus(queue, job, JobStatus.FAILED);
        awaitNothingRunning(queue, job);

        assertThat(halted.reason()).startsWith("job-timeout: the job ran out of its time budget");
        assertThat(queue.ledger().counts(job.id()).remaining()).isZero();
        assertThat(queue.ledger().counts(job.id()).skipped()).isEqualTo(50);
        assertThat(queue.ledger().events(job.id(), 100)).extracting(EngineEvent::type).containsOnlyOnce(EngineEvent.JOB_HALTING);
    }

    @Test
    void stop_on_first_failure_halts_the_job_at_its_first_failed_item_whichever_worker_ran_it() throws Exception {
        WorkQueue queue = queue();
        Job job = submit(queue, 300, JobConfig.builder().concurrency(4).retry(RetryPolicy.none()).stopOnFirstFailure(true).build());
        startTwo(2, ctx -> ctx.seq() == 30 ? AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad input", 2)
                : AttemptResult.success());

        Job halted = awaitStatus(queue, job, JobStatus.FAILED);
        awaitNothingRunning(queue, job);

        assertThat(halted.reason()).startsWith("stop-on-first-failure: item 30 (item-30) failed: exit:2");
        assertThat(queue.ledger().counts(job.id()).failed()).isEqualTo(1);
        assertThat(queue.ledger().counts(job.id()).skipped()).isPositive();
        assertThat(queue.ledger().counts(job.id()).remaining()).isZero();
    }

    @Test
    void halt_soon_lets_the_attempts_running_on_every_worker_finish_and_record_their_own_outcome() throws Exception {
        WorkQueue queue = queue();
        Job job = submit(queue, 100, JobConfig.builder().concurrency(4).retry(RetryPolicy.none()).stopOnFirstFailure(true)
                .halt(HaltMode.SOON).build());
        CountDownLatch othersRunning = new CountDownLatch(3);
        CountDownLatch release = new CountDownLatch(1);
        startTwo(2, ctx -> {
            if (ctx.seq() == 1) {
                othersRunning.await();
                return AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad input", 2);
            }
            othersRunning.countDown();
            release.await();
            return AttemptResult.success();
        });

        awaitStatus(queue, job, JobStatus.FAILED);
        // The three that waited, and maybe one claimed into the failed item's slot before the halt.
        long runningAtHalt = queue.ledger().counts(job.id()).running();
        assertThat(runningAtHalt).isBetween(3L, 4L);
        release.countDown();
        awaitNothingRunning(queue, job);

        assertThat(queue.ledger().counts(job.id()).succeeded()).isEqualTo(runningAtHalt);
        assertThat(queue.ledger().counts(job.id()).failed()).isEqualTo(1);
        assertThat(queue.ledger().counts(job.id()).skipped()).isEqualTo(99 - runningAtHalt);
        assertThat(attempts(queue, job)).noneMatch(a -> a.outcome() == AttemptOutcome.INTERRUPTED);
    }

    @Test
    void items_an_open_breaker_fails_count_toward_the_jobs_failure_budget_across_workers() throws Exception {
        WorkQueue queue = queue();
        JobConfig config = JobConfig.builder().concurrency(2).retry(RetryPolicy.none())
                .breaker(BreakerConfig.of(BreakerPolicy.consecutive(1)).onOpen(BreakerConfig.OnOpen.FAIL))
                .failureThreshold(FailureThreshold.parse("5")).build();
        // Items 1-40 go to a host that is down, 41-200 to one that works.
        Job job = submit(queue, 200, config, i -> i <= 40 ? "down" : "up");
        startTwo(1, ctx -> ctx.item().breakerScope().equals("down")
                ? AttemptResult.failure(ErrorClass.TRANSIENT, "connect", "refused") : AttemptResult.success());

        Job halted = awaitStatus(queue, job, JobStatus.FAILED);
        awaitNothingRunning(queue, job);

        assertThat(halted.reason()).startsWith("max-failures: ");
        assertThat(queue.ledger().counts(job.id()).failed()).isGreaterThanOrEqualTo(5);
        assertThat(queue.ledger().counts(job.id()).remaining()).isZero();
    }

    @Test
    void a_critical_error_rolls_back_the_succeeded_items_once_across_workers() throws Exception {
        WorkQueue queue = queue();
        Job job = submit(queue, 60, JobConfig.builder().concurrency(4).retry(RetryPolicy.none()).rollback(true)
                .compensate(ExecSpec.of(List.of("true"))).build());
        startTwo(2, ctx -> ctx.seq() == 20 ? AttemptResult.failure(ErrorClass.CRITICAL, "exit:99", "credentials refused", 99)
                : AttemptResult.success());

        Job halted = awaitStatus(queue, job, JobStatus.FAILED);
        await().atMost(WAIT).until(() -> queue.ledger().counts(job.id()).succeeded() == 0 && queue.ledger().counts(job.id()).running() == 0);

        assertThat(halted.reason()).startsWith("critical error on item 20");
        List<EngineEvent> events = queue.ledger().events(job.id(), 1_000);
        assertThat(events).extracting(EngineEvent::type).containsOnlyOnce(EngineEvent.ROLLBACK_STARTED);
        long compensated = events.stream().filter(e -> e.type().equals(EngineEvent.ITEM_COMPENSATED)).count();
        assertThat(compensated).isPositive();
        assertThat(queue.ledger().items(job.id(), ItemQuery.all(100)))
                .filteredOn(i -> i.status() == ItemStatus.COMPENSATED).hasSize((int) compensated);
    }
}
