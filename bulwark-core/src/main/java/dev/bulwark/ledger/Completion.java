package dev.bulwark.ledger;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptResult;
import dev.bulwark.ItemStatus;
import java.time.Instant;

/**
 * The end of one attempt: the attempt row to keep and the status the item moves to.
 *
 * @param attempt       the finished attempt (its outcome INTERRUPTED never counts toward the retry limit)
 * @param fence         the fencing token the item was claimed with; a stale token is rejected
 * @param next          SUCCEEDED, FAILED, RETRY_WAIT, PENDING (interrupted, to run again) or SKIPPED
 * @param nextAttemptAt when RETRY_WAIT becomes due, else null
 * @param result        what the attempt produced, stored with the item ({@link dev.bulwark.Item#result()}):
 *                      only with {@code next} SUCCEEDED, at most {@link AttemptResult#MAX_RESULT_BYTES}; null for none
 */
public record Completion(dev.bulwark.Attempt attempt, long fence, ItemStatus next, Instant nextAttemptAt, String result) {

    public Completion {
        if (next == ItemStatus.RETRY_WAIT && nextAttemptAt == null) {
            throw new IllegalArgumentException("RETRY_WAIT needs a due time");
        }
        if (result != null && next != ItemStatus.SUCCEEDED) {
            throw new IllegalArgumentException("only a SUCCEEDED item stores a result, but item " + attempt.seq()
                    + " becomes " + next);
        }
        String tooLarge = AttemptResult.resultTooLarge(result);
        if (tooLarge != null) {
            throw new IllegalArgumentException("item " + attempt.seq() + ": " + tooLarge);
        }
    }

    /** A completion that stores no result. */
    public Completion(Attempt attempt, long fence, ItemStatus next, Instant nextAttemptAt) {
        this(attempt, fence, next, nextAttemptAt, null);
    }

    public static Completion of(Attempt attempt, long fence, ItemStatus next) {
        return new Completion(attempt, fence, next, null, null);
    }

    /** A SUCCEEDED completion that stores {@code result} with the item. */
    public static Completion succeeded(Attempt attempt, long fence, String result) {
        return new Completion(attempt, fence, ItemStatus.SUCCEEDED, null, result);
    }
}
