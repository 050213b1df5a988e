package dev.bulwark.engine;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.ledger.Completion;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

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
        Map<String, Object> data = new LinkedHashMap<>();
        if (key != null) {
            data.put("key", key);
        }
        data.put("attempt", a.number());
        data.put("duration_ms", a.durationMs());
        if (worker != null) {
            data.put("worker", worker);
        }
        if (a.exitCode() != null) {
            data.put("exit_code", a.exitCode());
        }
        String type;
        if (outcome == AttemptOutcome.SUCCEEDED) {
            type = EngineEvent.ITEM_SUCCEEDED;
        } else {
            if (a.category() != null) {
                data.put("category", a.category());
            }
            if (a.message() != null) {
                data.put("message", a.message());
            }
            if (outcome == AttemptOutcome.INTERRUPTED) {
                type = EngineEvent.ITEM_INTERRUPTED;
            } else {
                if (a.errorClass() != null) {
                    data.put("error_class", a.errorClass().name().toLowerCase(Locale.ROOT));
                }
                if (next == ItemStatus.RETRY_WAIT) {
                    type = EngineEvent.ITEM_RETRY_SCHEDULED;
                    if (nextAttemptAt != null) {
                        data.put("retry_at", nextAttemptAt.toString());
                    }
                } else {
                    type = EngineEvent.ITEM_FAILED;
                }
            }
        }
        return new EngineEvent(type, a.jobId(), at, a.seq(), data);
    }
}
