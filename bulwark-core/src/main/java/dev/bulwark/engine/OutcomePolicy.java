package dev.bulwark.engine;

import dev.bulwark.AttemptOutcome;
import dev.bulwark.AttemptResult;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.RetryPolicy;
import dev.bulwark.StopReason;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * Decides what an attempt's result means for its item: the one place where error classes,
 * retries and stop reasons meet. A pure function of its inputs.
 */
public final class OutcomePolicy {

    /**
     * @param outcome       how the attempt is recorded
     * @param result        the (possibly rewritten) result to record
     * @param next          the item's next status
     * @param nextAttemptAt due time of the retry, or null
     */
    public record Decision(AttemptOutcome outcome, AttemptResult result, ItemStatus next, Instant nextAttemptAt) {

        public boolean critical() {
            return outcome == AttemptOutcome.FAILED && result.errorClass() == ErrorClass.CRITICAL;
        }
    }

    private OutcomePolicy() {
    }

    /**
     * @param item    the item as claimed (its {@code attempts} do not yet count this attempt)
     * @param result  what the handler returned
     * @param stop    why the engine stopped the attempt, or null
     * @param timeout the attempt's time limit as the timeout message states it ("1.2s (200% of the median 600ms)")
     */
    public static Decision decide(Item item, AttemptResult result, StopReason stop, String timeout,
                                  RetryPolicy retry, Instant now, RandomGenerator random) {
        if (result.succeeded()) {
            return new Decision(AttemptOutcome.SUCCEEDED, result, ItemStatus.SUCCEEDED, null);
        }
        if (stop == StopReason.PAUSE || stop == StopReason.CANCEL || stop == StopReason.HALT) {
            AttemptResult interrupted = new AttemptResult(false, ErrorClass.TRANSIENT, "interrupted",
                    "stopped by " + stop.name().toLowerCase(java.util.Locale.ROOT), result.exitCode());
            ItemStatus next = stop == StopReason.PAUSE ? ItemStatus.PENDING : ItemStatus.SKIPPED;
            return new Decision(AttemptOutcome.INTERRUPTED, interrupted, next, null);
        }
        AttemptResult failure = result;
        if (stop == StopReason.TIMEOUT) {
            failure = AttemptResult.failure(ErrorClass.TRANSIENT, "timeout",
                    "timed out after " + timeout, result.exitCode());
        }
        if (failure.errorClass() == ErrorClass.TRANSIENT) {
            int attemptsAfter = item.attempts() + 1;
            if (retry.allowsAnotherAttempt(attemptsAfter)) {
                Duration delay = retry.delayAfter(attemptsAfter, random);
                // The target's own wish (HTTP Retry-After) wins over a shorter backoff.
                if (failure.retryAfter() != null && failure.retryAfter().compareTo(delay) > 0) {
                    delay = failure.retryAfter();
                }
                Instant due = now.plus(delay);
                return new Decision(AttemptOutcome.FAILED, failure, ItemStatus.RETRY_WAIT, due);
            }
        }
        return new Decision(AttemptOutcome.FAILED, failure, ItemStatus.FAILED, null);
    }
}
