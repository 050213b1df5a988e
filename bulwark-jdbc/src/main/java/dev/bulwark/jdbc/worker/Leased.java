package dev.bulwark.jdbc.worker;

import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.engine.Claim;
import dev.bulwark.jdbc.WorkQueue.Lease;

/** An item a worker claimed with a lease: held (its lease renewed) until its outcome is settled. */
final class Leased extends Claim {
    final Lease lease;
    final WorkerJob job;
    volatile boolean leaseLost;
    /** The shared breaker's change of state that the outcome caused, or null. */
    volatile dev.bulwark.breaker.CircuitBreaker.Transition transition;

    Leased(Lease lease, WorkerJob job) {
        this.lease = lease;
        this.job = job;
    }

    @Override
    public Item item() {
        return lease.item();
    }

    @Override
    public JobConfig config() {
        return job.job().config();
    }

    @Override
    public ItemHandler handler() {
        return job.handler();
    }

    /** A job's frozen record and its handler, loaded on its first claim by this worker. */
    record WorkerJob(long pk, Job job, ItemHandler handler) {
    }
}
