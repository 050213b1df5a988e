package dev.bulwark;

/**
 * Items of a job by status, as committed in the ledger.
 */
public record JobCounts(long total, long pending, long running, long retryWait, long succeeded,
                        long failed, long skipped, long retries, long interruptions, long compensated) {

    public static final JobCounts EMPTY = new JobCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Counts of a job none of whose items was compensated. */
    public JobCounts(long total, long pending, long running, long retryWait, long succeeded,
                     long failed, long skipped, long retries, long interruptions) {
        this(total, pending, running, retryWait, succeeded, failed, skipped, retries, interruptions, 0);
    }

    /** Items with a final outcome. */
    public long done() {
        return succeeded + failed + skipped + compensated;
    }

    /** Items still to finish. */
    public long remaining() {
        return total - done();
    }
}
