package dev.bulwark.ledger;

import dev.bulwark.Attempt;
import dev.bulwark.ItemStatus;
import java.time.Instant;

/**
 * The end of one attempt: the attempt row to keep and the status the item moves to.
 *
 * @param attempt       the finished attempt (its outcome INTERRUPTED never counts toward the retry limit)
 * @param fence         the fencing token the item was claimed with; a stale token is rejected
 * @param next          SUCCEEDED, FAILED, RETRY_WAIT, PENDING (interrupted, to run again) or SKIPPED
 * @param nextAttemptAt when RETRY_WAIT becomes due, else null
 */
public record Completion(dev.bulwark.Attempt attempt, long fence, ItemStatus next, Instant nextAttemptAt) {

    public Completion {
        if (next == ItemStatus.RETRY_WAIT && nextAttemptAt == null) {
            throw new IllegalArgumentException("RETRY_WAIT needs a due time");
        }
    }

    public static Completion of(Attempt attempt, long fence, ItemStatus next) {
        return new Completion(attempt, fence, next, null);
    }
}
