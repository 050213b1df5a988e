package dev.bulwark.internal;

import dev.bulwark.AttemptOutcome;
import dev.bulwark.ItemStatus;
import dev.bulwark.JobCounts;
import java.util.HashSet;
import java.util.Set;

/**
 * The runner's mirror of a job's counts, moved only by changes the ledger has committed (claims
 * and completions), so progress never shows a state the ledger lacks. Thread-safe.
 */
final class CountsTracker {
    private long total;
    private long pending;
    private long running;
    private long retryWait;
    private long succeeded;
    private long failed;
    private long skipped;
    private long retries;
    private long interruptions;
    private final Set<Long> waiting = new HashSet<>();

    synchronized void reset(JobCounts c, Set<Long> retryWaitSeqs) {
        total = c.total();
        pending = c.pending();
        running = c.running();
        retryWait = c.retryWait();
        succeeded = c.succeeded();
        failed = c.failed();
        skipped = c.skipped();
        retries = c.retries();
        interruptions = c.interruptions();
        waiting.clear();
        waiting.addAll(retryWaitSeqs);
    }

    synchronized void claimed(long seq) {
        if (waiting.remove(seq)) {
            retryWait--;
        } else {
            pending--;
        }
        running++;
    }

    synchronized void completed(long seq, AttemptOutcome outcome, int attemptsAfter, ItemStatus next) {
        running--;
        if (outcome == AttemptOutcome.INTERRUPTED) {
            interruptions++;
        } else if (attemptsAfter > 1) {
            retries++;
        }
        switch (next) {
            case PENDING -> pending++;
            case RETRY_WAIT -> {
                retryWait++;
                waiting.add(seq);
            }
            case SUCCEEDED -> succeeded++;
            case FAILED -> failed++;
            case SKIPPED -> skipped++;
            default -> throw new IllegalStateException("an attempt cannot end with its item " + next);
        }
    }

    /** A claimed item a breaker failed without an attempt (it was never counted as running). */
    synchronized void rejectedAsFailed(long seq) {
        if (waiting.remove(seq)) {
            retryWait--;
        } else {
            pending--;
        }
        failed++;
    }

    synchronized long failed() {
        return failed;
    }

    synchronized JobCounts snapshot() {
        return new JobCounts(total, pending, running, retryWait, succeeded, failed, skipped, retries, interruptions);
    }
}
