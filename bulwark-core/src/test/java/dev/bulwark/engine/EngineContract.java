package dev.bulwark.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.AttemptResult;
import dev.bulwark.Engine;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.FailureThreshold;
import dev.bulwark.HaltMode;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;
import dev.bulwark.RetryPolicy;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.exec.ExecSpec;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the one engine does with a job, whatever runs it: the scenarios every deployment must
 * pass unchanged — in one process on the memory, SQLite and PostgreSQL ledgers, and on two
 * workers sharing a PostgreSQL ledger. A deployment extends this class and says how a submitted
 * job is run to its end ({@link #runToEnd}); the scenarios only submit, run and read the ledger.
 *
 * <p>Outcomes are read back from the ledger, never from what a runner reports, so every scenario
 * also checks that the deployment recorded what it did.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
public abstract class EngineContract {
    /** A short real backoff: the retries are due at once, in every deployment's clock. */
    protected static final RetryPolicy QUICK_RETRIES = RetryPolicy.exponential(2, Duration.ofMillis(10), Duration.ofMillis(10));

    /** The ledger of this test (fresh for each test). */
    protected abstract Ledger ledger();

    /**
     * Runs a submitted job until it ends (COMPLETED, PARTIAL, FAILED or CANCELLED), with
     * {@code handler} for its items; returns the job as the ledger has it then, once nothing of it
     * runs any more. By default in this process, with {@link Engine#run} on this thread.
     */
    protected Job runToEnd(Job job, ItemHandler handler) throws Exception {
        try (Engine engine = Engine.builder().ledger(ledger()).build()) {
            engine.run(job.id(), handler);
        }
        return ledger().findJob(job.id()).orElseThrow();
    }

    /** Hands a freshly submitted job to this deployment (workers: to the work queue). */
    protected void handOver(Job job) {
    }

    /**
     * Leaves the items of a job up to {@code seq} claimed, as a process that died after claiming
     * them would; the deployment records those attempts as interrupted and runs the items again.
     * By default a claim of the ledger, as a process makes it.
     */
    protected void crashWhileRunning(Job job, long seq) throws Exception {
        ledger().claim(job.id(), java.time.Instant.now(), (int) seq, false);
    }

    protected final Job submit(int n, JobConfig config) {
        return submit(n, config, i -> null);
    }

    protected final Job submit(int n, JobConfig config, Function<Integer, String> scopes) {
        try (Engine engine = Engine.builder().ledger(ledger()).build()) {
            Job job = engine.submit("contract", config, IntStream.rangeClosed(1, n)
                    .mapToObj(i -> new Engine.ItemSpec("item-" + i, null, scopes.apply(i))).iterator());
            handOver(job);
            return job;
        }
    }

    protected final Job submitKeys(List<String> keys, JobConfig config) {
        try (Engine engine = Engine.builder().ledger(ledger()).build()) {
            Job job = engine.submit("contract", config, keys.stream().map(Engine.ItemSpec::of).iterator());
            handOver(job);
            return job;
        }
    }

    protected final JobCounts counts(Job job) {
        return ledger().counts(job.id());
    }

    protected final List<Attempt> attempts(Job job, long seq) {
        return ledger().attempts(job.id(), seq);
    }

    private List<Item> items(Job job) {
        return ledger().items(job.id(), ItemQuery.all(10_000));
    }

    private static AttemptResult untilStopped() throws InterruptedException {
        new CountDownLatch(1).await();
        return AttemptResult.success();
    }

    @Test
    void transient_failures_are_retried_until_they_succeed_and_every_item_ends_once() throws Exception {
        Job job = submit(40, JobConfig.builder().concurrency(4).retry(QUICK_RETRIES).build());

        Job done = runToEnd(job, ctx -> ctx.seq() % 10 == 0 && ctx.attempt() < 3
                ? AttemptResult.failure(ErrorClass.TRANSIENT, "flaky", "not yet") : AttemptResult.success());

        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(counts(job).succeeded()).isEqualTo(40);
        assertThat(counts(job).retries()).isEqualTo(8);
        assertThat(attempts(job, 10)).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.FAILED, AttemptOutcome.FAILED, AttemptOutcome.SUCCEEDED);
        assertThat(items(job)).allSatisfy(i -> assertThat(i.status()).isEqualTo(ItemStatus.SUCCEEDED));
    }

    @Test
    void a_permanent_failure_is_not_retried_and_leaves_the_job_partial() throws Exception {
        Job job = submit(10, JobConfig.builder().concurrency(2).retry(QUICK_RETRIES).build());

        Job done = runToEnd(job, ctx -> ctx.seq() == 3 ? AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad input", 2)
                : AttemptResult.success());

        assertThat(done.status()).isEqualTo(JobStatus.PARTIAL);
        assertThat(attempts(job, 3)).hasSize(1);
        assertThat(ledger().findItem(job.id(), 3).orElseThrow().status()).isEqualTo(ItemStatus.FAILED);
        assertThat(counts(job).succeeded()).isEqualTo(9);
    }

    @Test
    void items_left_running_by_a_crash_are_recorded_as_interrupted_and_run_again() throws Exception {
        Job job = submit(5, JobConfig.builder().concurrency(2).build());
        crashWhileRunning(job, 1);

        Job done = runToEnd(job, ctx -> AttemptResult.success());

        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(attempts(job, 1)).extracting(Attempt::outcome).containsExactly(AttemptOutcome.INTERRUPTED, AttemptOutcome.SUCCEEDED);
        assertThat(counts(job).interruptions()).isEqualTo(1);
        assertThat(counts(job).retries()).isZero();
    }

    @Test
    void stop_on_first_failure_halts_the_job_and_skips_what_did_not_run() throws Exception {
        Job job = submit(200, JobConfig.builder().concurrency(2).retry(RetryPolicy.none()).stopOnFirstFailure(true).build());

        Job done = runToEnd(job, ctx -> ctx.seq() == 20 ? AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad", 2)
                : AttemptResult.success());

        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.reason()).startsWith("stop-on-first-failure: item 20 (item-20) failed: exit:2");
        assertThat(counts(job).failed()).isEqualTo(1);
        assertThat(counts(job).skipped()).isPositive();
        assertThat(counts(job).remaining()).isZero();
    }

    @Test
    void the_failure_budget_halts_the_job_once_reached() throws Exception {
        Job job = submit(300, JobConfig.builder().concurrency(2).retry(RetryPolicy.none())
                .failureThreshold(FailureThreshold.parse("3")).build());

        Job done = runToEnd(job, ctx -> ctx.seq() % 10 == 0 ? AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad", 2)
                : AttemptResult.success());

        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.reason()).startsWith("max-failures: ");
        assertThat(counts(job).failed()).isGreaterThanOrEqualTo(3);
        assertThat(counts(job).skipped()).isPositive();
        assertThat(counts(job).remaining()).isZero();
    }

    @Test
    void an_ordered_job_runs_its_items_strictly_one_after_another_retries_included() throws Exception {
        Job job = submit(20, JobConfig.builder().concurrency(1).ordered(true).retry(QUICK_RETRIES).build());
        List<Long> starts = new CopyOnWriteArrayList<>();

        Job done = runToEnd(job, ctx -> {
            starts.add(ctx.seq());
            return ctx.seq() == 5 && ctx.attempt() == 1 ? AttemptResult.failure(ErrorClass.TRANSIENT, "flaky", "once")
                    : AttemptResult.success();
        });

        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        List<Long> expected = new java.util.ArrayList<>(LongStream.rangeClosed(1, 20).boxed().toList());
        expected.add(5, 5L);
        assertThat(starts).containsExactlyElementsOf(expected);
    }

    @Test
    void a_job_ordered_by_scope_runs_each_folder_strictly_in_order_and_the_folders_side_by_side() throws Exception {
        // Three folders of five items each, listed folder by folder: without the order per scope,
        // concurrency 3 would run a folder's first three items at once.
        List<String> keys = IntStream.rangeClosed(1, 3).boxed()
                .flatMap(f -> IntStream.rangeClosed(1, 5).mapToObj(i -> "folder-" + f + "/file-" + i + ".txt")).toList();
        Job job = submitKeys(keys, JobConfig.builder().concurrency(3).orderedBy("{//}").retry(QUICK_RETRIES).build());
        // A logical clock: every start and end of an attempt takes the next tick, so "started after
        // the one before ended" is a comparison of ticks, whatever the deployment's timing.
        java.util.concurrent.atomic.AtomicLong ticks = new java.util.concurrent.atomic.AtomicLong();
        java.util.Map<String, List<long[]>> runs = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> runningNow = new java.util.concurrent.ConcurrentHashMap<>();
        List<String> overlaps = new CopyOnWriteArrayList<>();
        // The first items of the three folders wait for each other: they can only all get here if
        // the folders run side by side.
        CountDownLatch firstsTogether = new CountDownLatch(3);

        Job done = runToEnd(job, ctx -> {
            String folder = ctx.key().substring(0, ctx.key().indexOf('/'));
            long start = ticks.incrementAndGet();
            if (runningNow.computeIfAbsent(folder, f -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet() > 1) {
                overlaps.add(ctx.key());
            }
            try {
                if (ctx.key().endsWith("/file-1.txt")) {
                    firstsTogether.countDown();
                    if (!firstsTogether.await(30, TimeUnit.SECONDS)) {
                        return AttemptResult.failure(ErrorClass.PERMANENT, "alone", "the other folders' first items never ran alongside");
                    }
                }
                // One transient failure: the folder's next item waits for the retry's success.
                return ctx.key().equals("folder-2/file-3.txt") && ctx.attempt() == 1
                        ? AttemptResult.failure(ErrorClass.TRANSIENT, "flaky", "once") : AttemptResult.success();
            } finally {
                runningNow.get(folder).decrementAndGet();
                runs.computeIfAbsent(folder, f -> new CopyOnWriteArrayList<>()).add(new long[] {ctx.seq(), start, ticks.incrementAndGet()});
            }
        });

        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(counts(job).succeeded()).isEqualTo(15);
        assertThat(overlaps).as("items of one folder running at the same time").isEmpty();
        assertThat(firstsTogether.getCount()).as("the folders ran side by side").isZero();
        for (int f = 1; f <= 3; f++) {
            List<long[]> folder = runs.get("folder-" + f);
            List<Long> seqs = folder.stream().map(r -> r[0]).toList();
            long first = (f - 1) * 5L + 1;
            List<Long> expected = new java.util.ArrayList<>(LongStream.range(first, first + 5).boxed().toList());
            if (f == 2) {
                expected.add(3, first + 2); // folder-2/file-3 ran twice, before file-4
            }
            assertThat(seqs).as("folder-" + f + " in sequence order").containsExactlyElementsOf(expected);
            List<long[]> byStart = folder.stream().sorted(java.util.Comparator.comparingLong(r -> r[1])).toList();
            for (int k = 1; k < byStart.size(); k++) {
                assertThat(byStart.get(k)[1]).as("folder-" + f + ": attempt " + (k + 1) + " starts after attempt " + k + " ended")
                        .isGreaterThan(byStart.get(k - 1)[2]);
            }
        }
    }

    @Test
    void a_job_ordered_by_one_scope_with_free_slots_runs_every_item_one_after_another() throws Exception {
        // Quick items and idle slots: each claim takes the one head, which may end before the
        // dispatcher looks again; the run must not take "nothing claimable now" for "done".
        Job job = submitKeys(IntStream.rangeClosed(1, 300).mapToObj(i -> "node/" + i).toList(),
                JobConfig.builder().concurrency(4).orderedBy("{//}").build());
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        List<Long> overlaps = new CopyOnWriteArrayList<>();
        List<Long> starts = new CopyOnWriteArrayList<>();

        Job done = runToEnd(job, ctx -> {
            if (running.incrementAndGet() > 1) {
                overlaps.add(ctx.seq());
            }
            starts.add(ctx.seq());
            running.decrementAndGet();
            return AttemptResult.success();
        });

        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(counts(job).succeeded()).isEqualTo(300);
        assertThat(overlaps).isEmpty();
        assertThat(starts).containsExactlyElementsOf(LongStream.rangeClosed(1, 300).boxed().toList());
    }

    @Test
    void a_critical_error_halts_the_job_and_rolls_back_the_items_that_succeeded() throws Exception {
        Job job = submit(30, JobConfig.builder().concurrency(1).retry(RetryPolicy.none()).rollback(true)
                .compensate(ExecSpec.of(List.of("true"))).build());

        Job done = runToEnd(job, ctx -> ctx.seq() == 10 ? AttemptResult.failure(ErrorClass.CRITICAL, "exit:99", "credentials", 99)
                : AttemptResult.success());
        awaitRolledBack(job);

        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.reason()).startsWith("critical error on item 10");
        assertThat(items(job)).filteredOn(i -> i.seq() < 10).allSatisfy(i -> assertThat(i.status()).isEqualTo(ItemStatus.COMPENSATED));
        assertThat(ledger().events(job.id(), 1_000)).extracting(EngineEvent::type).containsOnlyOnce(EngineEvent.ROLLBACK_STARTED);
    }

    /** Waits until the job's rollback left no item SUCCEEDED (it may go on after the job ended). */
    protected void awaitRolledBack(Job job) throws Exception {
    }

    @Test
    void a_job_out_of_its_time_budget_is_halted_and_every_item_gets_an_outcome() throws Exception {
        Job job = submit(20, JobConfig.builder().concurrency(2).jobTimeout(Duration.ofMillis(500)).build());

        Job done = runToEnd(job, ctx -> untilStopped());

        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.reason()).startsWith("job-timeout: the job ran out of its time budget");
        assertThat(counts(job).remaining()).isZero();
        assertThat(counts(job).skipped()).isEqualTo(20);
    }

    @Test
    void halt_soon_lets_running_attempts_finish_with_their_own_outcome() throws Exception {
        Job job = submit(50, JobConfig.builder().concurrency(2).retry(RetryPolicy.none()).stopOnFirstFailure(true)
                .halt(HaltMode.SOON).build());

        Job done = runToEnd(job, ctx -> ctx.seq() == 5 ? AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad", 2)
                : AttemptResult.success());

        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(counts(job).remaining()).isZero();
        assertThat(LongStream.rangeClosed(1, 50).mapToObj(seq -> attempts(job, seq)).flatMap(List::stream))
                .noneMatch(a -> a.outcome() == AttemptOutcome.INTERRUPTED);
    }

    @Test
    void an_open_breaker_in_fail_mode_fails_the_items_of_its_scope_without_attempts() throws Exception {
        JobConfig config = JobConfig.builder().concurrency(1).retry(RetryPolicy.none())
                .breaker(BreakerConfig.of(BreakerPolicy.consecutive(2)).onOpen(BreakerConfig.OnOpen.FAIL)).build();
        Job job = submit(30, config, i -> i % 2 == 0 ? "down" : "up");

        Job done = runToEnd(job, ctx -> ctx.item().breakerScope().equals("down")
                ? AttemptResult.failure(ErrorClass.TRANSIENT, "connect", "refused") : AttemptResult.success());

        assertThat(done.status()).isEqualTo(JobStatus.PARTIAL);
        assertThat(counts(job).succeeded()).isEqualTo(15);
        assertThat(counts(job).failed()).isEqualTo(15);
        List<Item> down = items(job).stream().filter(i -> i.seq() % 2 == 0).toList();
        long withoutAttempt = down.stream().filter(i -> attempts(job, i.seq()).isEmpty()).count();
        assertThat(withoutAttempt).as("items failed by the open breaker").isGreaterThanOrEqualTo(10);
        assertThat(down).allSatisfy(i -> assertThat(i.status()).isEqualTo(ItemStatus.FAILED));
    }
}
