package dev.bulwark;

import java.time.Duration;

/**
 * The result of running (or resuming) a job: its final record and counts, as committed.
 *
 * @param job      the job as the ledger now holds it
 * @param counts   items by status
 * @param duration how long this run took
 */
public record JobResult(Job job, JobCounts counts, Duration duration) {

    public JobStatus status() {
        return job.status();
    }

    /** Succeeded items as a share of finished items, 0 to 100. */
    public double successRate() {
        return counts.done() == 0 ? 0.0 : 100.0 * counts.succeeded() / counts.done();
    }
}
