package dev.bulwark;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An engine event ({@code job_started}, {@code items_found}, {@code item_succeeded},
 * {@code item_failed}, {@code item_retry_scheduled}, {@code item_interrupted},
 * {@code job_paused}, {@code job_finished}, …). Events go to listeners and to the JSON-lines
 * log; all but the per-item success events are also kept in the ledger (successes are in the
 * attempts table already).
 *
 * @param type  the event name
 * @param jobId the job
 * @param at    when it happened
 * @param seq   the item, or 0 for job events
 * @param data  more fields (key, attempt, category, message, counts…)
 */
public record EngineEvent(String type, UUID jobId, Instant at, long seq, Map<String, Object> data) {

    public static final String JOB_STARTED = "job_started";
    public static final String ITEMS_FOUND = "items_found";
    public static final String ITEM_STARTED = "item_started";
    public static final String ITEM_SUCCEEDED = "item_succeeded";
    public static final String ITEM_FAILED = "item_failed";
    public static final String ITEM_RETRY_SCHEDULED = "item_retry_scheduled";
    public static final String ITEM_INTERRUPTED = "item_interrupted";
    public static final String ITEMS_RECOVERED = "items_recovered";
    public static final String JOB_HALTING = "job_halting";
    public static final String ROLLBACK_STARTED = "rollback_started";
    public static final String ITEM_COMPENSATED = "item_compensated";
    public static final String ITEM_COMPENSATION_FAILED = "item_compensation_failed";
    public static final String JOB_PAUSED = "job_paused";
    public static final String JOB_FINISHED = "job_finished";

    public EngineEvent {
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    /** Whether the ledger keeps this event (per-item successes and starts live in the attempts table). */
    public boolean kept() {
        return !ITEM_SUCCEEDED.equals(type) && !ITEM_STARTED.equals(type);
    }
}
