package dev.bulwark.jdbc.worker;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a {@link Worker} did, counted as the ledger confirmed it. Thread-safe; readings are a
 * moment's view.
 */
public final class WorkerStats {
    /** Claim latencies kept for percentiles; later ones are dropped. */
    private static final int MAX_SAMPLES = 1 << 20;

    final AtomicLong claims = new AtomicLong();
    final AtomicLong claimed = new AtomicLong();
    final AtomicLong succeeded = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong interrupted = new AtomicLong();
    final AtomicLong stale = new AtomicLong();
    final AtomicLong unrecorded = new AtomicLong();
    final AtomicLong leasesLost = new AtomicLong();
    final AtomicLong fenced = new AtomicLong();
    final AtomicLong reclaimed = new AtomicLong();
    final AtomicLong stalled = new AtomicLong();
    final AtomicLong jobsFinished = new AtomicLong();
    private final long[] claimNanos = new long[MAX_SAMPLES];
    private int samples; // guarded by this

    synchronized void claimTook(long nanos) {
        if (samples < claimNanos.length) {
            claimNanos[samples++] = nanos;
        }
    }

    /** Claims made (transactions), including those that found nothing. */
    public long claims() {
        return claims.get();
    }

    /** Items claimed. */
    public long claimed() {
        return claimed.get();
    }

    /** Attempts recorded as succeeded. */
    public long succeeded() {
        return succeeded.get();
    }

    /** Attempts recorded as final failures. */
    public long failed() {
        return failed.get();
    }

    /** Attempts recorded as failed, with a retry scheduled. */
    public long retried() {
        return retried.get();
    }

    /** Attempts recorded as interrupted (the worker stopped them). */
    public long interrupted() {
        return interrupted.get();
    }

    /** Completions rejected because the lease had been taken over (the fence was stale). */
    public long stale() {
        return stale.get();
    }

    /** Completions that could not be recorded at all (the ledger stayed unreachable): their leases expire. */
    public long unrecorded() {
        return unrecorded.get();
    }

    /** Leases this worker found lost at a heartbeat. */
    public long leasesLost() {
        return leasesLost.get();
    }

    /**
     * Attempts this worker fenced itself: stopped (or not started) because their lease may have
     * expired by the database's clock before a renewal got through; nothing was recorded for them.
     */
    public long fenced() {
        return fenced.get();
    }

    /** Expired leases (of any worker) this worker took back, the item running again. */
    public long reclaimed() {
        return reclaimed.get();
    }

    /** Items this worker failed as stalled. */
    public long stalled() {
        return stalled.get();
    }

    /** Jobs whose end this worker recorded. */
    public long jobsFinished() {
        return jobsFinished.get();
    }

    /** The given percentile (0-100) of claim latencies in nanoseconds, or 0 without claims. */
    public synchronized long claimLatencyPercentile(double percentile) {
        if (samples == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(claimNanos, samples);
        Arrays.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * samples) - 1;
        return sorted[Math.max(0, Math.min(samples - 1, index))];
    }

    @Override
    public String toString() {
        return claimed() + " item(s) claimed in " + claims() + " claim(s); recorded: " + succeeded() + " succeeded, "
                + failed() + " failed, " + retried() + " to retry, " + interrupted() + " interrupted; " + stale()
                + " completion(s) rejected as stale, " + unrecorded() + " unrecorded; " + leasesLost() + " lease(s) lost, "
                + fenced() + " attempt(s) fenced, "
                + reclaimed() + " expired lease(s) reclaimed, " + stalled() + " item(s) failed as stalled; "
                + jobsFinished() + " job(s) finished";
    }
}
