package dev.bulwark.jdbc.worker;

import dev.bulwark.ItemHandler;
import dev.bulwark.Job;
import dev.bulwark.engine.Claim;
import dev.bulwark.exec.ExecSpec;
import dev.bulwark.jdbc.WorkQueue.Lease;
import java.time.Duration;

/** An item a worker claimed with a lease: held (its lease renewed) until its outcome is settled. */
final class Leased extends Claim {
    final Lease lease;
    final WorkerJob job;
    volatile boolean leaseLost;
    /**
     * When (monotonic clock) the last statement the database confirmed this lease with was sent:
     * the claim, then each renewal that returned its fence. The lease is measured from it ({@link LeaseFence}).
     */
    volatile long confirmedNanos;
    /** The worker fenced this attempt itself: its lease may have expired, and nothing is recorded for it. */
    volatile boolean fenced;
    /** The shared breaker's change of state that the outcome caused, or null. */
    volatile dev.bulwark.breaker.CircuitBreaker.Transition transition;

    Leased(Lease lease, WorkerJob job, long claimSentNanos) {
        super(lease.item(), job.job().config(), job.handler());
        this.lease = lease;
        this.job = job;
        this.confirmedNanos = claimSentNanos;
    }

    /** How long a stopped command of this job gets between TERM and KILL (none for a Java handler). */
    Duration killGrace() {
        ExecSpec exec = config().exec();
        return exec == null ? Duration.ZERO : exec.killGrace();
    }

    /** A job's frozen record and its handler, loaded on its first claim by this worker. */
    record WorkerJob(long pk, Job job, ItemHandler handler) {
    }
}
