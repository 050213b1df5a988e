package dev.bulwark.internal;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
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
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("key", item.key());
        data.put("attempt", a.number());
        data.put("duration_ms", a.durationMs());
        if (worker != null) {
            data.put("worker", worker);
        }
        if (a.exitCode() != null) {
            data.put("exit_code", a.exitCode());
        }
        String type;
        if (d.outcome() == AttemptOutcome.SUCCEEDED) {
            type = EngineEvent.ITEM_SUCCEEDED;
        } else {
            data.put("category", a.category());
            if (a.message() != null) {
                data.put("message", a.message());
            }
            if (d.outcome() == AttemptOutcome.INTERRUPTED) {
                type = EngineEvent.ITEM_INTERRUPTED;
            } else {
                data.put("error_class", a.errorClass().name().toLowerCase(Locale.ROOT));
                if (d.next() == ItemStatus.RETRY_WAIT) {
                    type = EngineEvent.ITEM_RETRY_SCHEDULED;
                    data.put("retry_at", d.nextAttemptAt().toString());
                } else {
                    type = EngineEvent.ITEM_FAILED;
                }
            }
        }
        return new EngineEvent(type, item.jobId(), at, item.seq(), data);
    }
}
