package dev.bulwark.engine;

import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;

/**
 * How a job that ran out of work ends, from its final counts — the one rule for a run in one
 * process and for a job that workers ran: COMPLETED when no item failed or was skipped, FAILED
 * when every item failed, PARTIAL otherwise; with the reason recorded on the job.
 */
public record FinalStatus(JobStatus status, String reason) {

    public static FinalStatus of(JobCounts c) {
        if (c.failed() == 0 && c.skipped() == 0) {
            return new FinalStatus(JobStatus.COMPLETED, null);
        }
        if (c.failed() == c.total()) {
            return new FinalStatus(JobStatus.FAILED, "every item failed");
        }
        return new FinalStatus(JobStatus.PARTIAL, c.failed() + " of " + c.total() + " item(s) failed");
    }
}
