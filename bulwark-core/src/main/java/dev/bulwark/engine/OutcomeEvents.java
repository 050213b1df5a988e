package dev.bulwark.engine;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.ledger.Completion;
import java.time.Duration;
import java.time.Instant;

/** The engine event of a recorded attempt, the same whichever deployment recorded it. */
public final class OutcomeEvents {
    private OutcomeEvents() {
    }

    /**
     * {@code item_succeeded}, {@code item_interrupted}, {@code item_retry_scheduled} or
     * {@code item_failed}, with the attempt's fields.
     *
     * @param worker the worker that ran it, named in the event, or null (a job run in one process)
     */
    public static EngineEvent of(Item item, OutcomePolicy.Decision d, Attempt a, Instant at, String worker) {
        return of(item.key(), d.outcome(), d.next(), d.nextAttemptAt(), a, at, worker);
    }

    /**
     * The event of a recorded completion, as another process learns of it (no item at hand).
     *
     * @param key the item's key, or null when not known (left out of the event)
     */
    public static EngineEvent of(String key, Completion c) {
        Attempt a = c.attempt();
        return of(key, a.outcome(), c.next(), c.nextAttemptAt(), a, a.finishedAt(), a.worker());
    }

    private static EngineEvent of(String key, AttemptOutcome outcome, ItemStatus next, Instant nextAttemptAt, Attempt a,
                                  Instant at, String worker) {
        Duration took = Duration.ofMillis(a.durationMs());
        if (outcome == AttemptOutcome.SUCCEEDED) {
            return new EngineEvent.ItemSucceeded(a.jobId(), at, a.seq(), key, a.number(), took, worker, a.exitCode());
        }
        if (outcome == AttemptOutcome.INTERRUPTED) {
            return new EngineEvent.ItemInterrupted(a.jobId(), at, a.seq(), key, a.number(), took, worker, a.exitCode(),
                    a.category(), a.message());
        }
        if (next == ItemStatus.RETRY_WAIT) {
            return new EngineEvent.ItemRetryScheduled(a.jobId(), at, a.seq(), key, a.number(), took, worker, a.exitCode(),
                    a.category(), a.message(), a.errorClass(), nextAttemptAt);
        }
        return new EngineEvent.ItemFailed(a.jobId(), at, a.seq(), key, a.number(), took, worker, a.exitCode(), a.category(),
                a.message(), a.errorClass(), null);
    }
}
