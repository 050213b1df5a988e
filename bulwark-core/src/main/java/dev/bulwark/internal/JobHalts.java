package dev.bulwark.internal;

import dev.bulwark.BulwarkClock;
import dev.bulwark.HaltMode;
import dev.bulwark.Item;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobCounts;
import dev.bulwark.StopReason;
import dev.bulwark.util.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * When a run halts its job: on the job's time budget ({@link JobConfig#jobBudget}), its failure
 * threshold, stop on first failure, and on what the runner halts it for (a critical error, a
 * breaker in halt mode). A halt asks the runner to stop ({@link StopReason#HALT}), letting running
 * attempts finish in halt-soon mode unless the error is critical.
 */
final class JobHalts {
    private final Job job;
    private final JobConfig config;
    private final BulwarkClock clock;
    private final Consumer<JobRunner.StopRequest> stop;
    private final AtomicLong decidedFailures = new AtomicLong();
    /** When the job's time budget runs out, on the monotonic clock ({@link BulwarkClock#nanoTime()}); null: no budget. */
    private Long deadlineNanos;

    JobHalts(Job job, BulwarkClock clock, Consumer<JobRunner.StopRequest> stop) {
        this.job = job;
        this.config = job.config();
        this.clock = clock;
        this.stop = stop;
    }

    /** Starts the run's budgets from the job's counts as the run starts: its failures so far, its time budget from now. */
    void prime(JobCounts start) {
        decidedFailures.set(start.failed());
        Duration budget = config.jobBudget(start.remaining());
        deadlineNanos = budget == null ? null : clock.nanoTime() + budget.toNanos();
    }

    /**
     * When the job's time budget runs out, in wall time as of now (for waits), or null without a
     * budget. The budget itself runs on the monotonic clock: the wall clock jumping (an operator,
     * NTP stepping it) neither ends it early nor makes it longer.
     */
    Instant deadline() {
        return deadlineNanos == null ? null : clock.now().plusNanos(deadlineNanos - clock.nanoTime());
    }

    /** Halts the job when its time budget ran out; true if it did. */
    boolean jobTimedOut() {
        if (deadlineNanos == null || clock.nanoTime() - deadlineNanos < 0) {
            return false;
        }
        String allowance = config.jobTimeoutPerItem() == null ? Durations.format(config.jobTimeout())
                : (config.jobTimeout() == null ? "" : Durations.format(config.jobTimeout()) + " + ")
                + Durations.format(config.jobTimeoutPerItem()) + " per item";
        halt("job-timeout: the job ran out of its time budget (" + allowance + ")", false);
        return true;
    }

    void halt(String reason, boolean critical) {
        stop.accept(new JobRunner.StopRequest(StopReason.HALT, reason, !critical && config.halt() == HaltMode.SOON, critical));
    }

    /** An item got its final FAILED outcome: the failure threshold and stop-on-first-failure look at it. */
    void itemFailed(Item item, String category) {
        long failed = decidedFailures.incrementAndGet();
        if (config.stopOnFirstFailure()) {
            halt("stop-on-first-failure: item " + item.seq() + " (" + item.key() + ") failed: " + category, false);
        } else if (config.failureThreshold() != null) {
            long limit = config.failureThreshold().limitFor(job.total());
            if (failed >= limit) {
                halt("max-failures: " + failed + " item(s) failed, the limit is "
                        + config.failureThreshold() + " (" + limit + " item(s))", false);
            }
        }
    }
}
