package dev.bulwark;

/**
 * Items of a job by status, as committed in the ledger.
 */
public record JobCounts(long total, long pending, long running, long retryWait, long succeeded,
                        long failed, long skipped, long retries, long interruptions) {

    public static final JobCounts EMPTY = new JobCounts(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Items with a final outcome. */
    public long done() {
        return succeeded + failed + skipped;
    }

    /** Items still to finish. */
    public long remaining() {
        return total - done();
    }
}
