package dev.bulwark;

import java.time.Instant;
import java.util.UUID;

/**
 * One unit of work of a job, with the fields of its latest attempt.
 *
 * @param jobId         the job
 * @param seq           1-based position in the job
 * @param key           what the handler works on (a file path, a token, an id)
 * @param payload       optional JSON object with more fields, or null
 * @param scope         what a circuit breaker is keyed on, or null
 * @param status        current status
 * @param attempts      finished attempts in the current round, counted toward the retry limit
 * @param interruptions attempts stopped from outside (pause, crash); never counted toward the limit
 * @param lastAttempt   number of the latest attempt started (attempt numbers never repeat)
 * @param fence         token of the current claim; a completion must carry it
 * @param nextAttemptAt when a RETRY_WAIT item becomes due, else null
 * @param startedAt     start of the latest attempt, or null
 * @param finishedAt    end of the latest attempt, or null
 * @param errorClass    class of the latest failure, or null
 * @param category      short category of the latest failure ({@code timeout}, {@code exit:2}), or null
 * @param message       message of the latest failure, or null
 * @param exitCode      exit code of the latest attempt, or null
 * @param durationMs    duration of the latest attempt, or null
 * @param logPath       log file of the item, or null
 * @param result        what the handler returned when the item succeeded, as stored (JSON for the
 *                      Java API's typed results: read it typed with {@link ResultCodec#decode} or
 *                      {@link BatchResult#results(Class)}), or null; kept when the item is compensated
 */
public record Item(UUID jobId, long seq, String key, String payload, String scope, ItemStatus status,
                   int attempts, int interruptions, int lastAttempt, long fence, Instant nextAttemptAt,
                   Instant startedAt, Instant finishedAt, ErrorClass errorClass, String category,
                   String message, Integer exitCode, Long durationMs, String logPath, String result) {

    /** An item without a stored result. */
    public Item(UUID jobId, long seq, String key, String payload, String scope, ItemStatus status,
                int attempts, int interruptions, int lastAttempt, long fence, Instant nextAttemptAt,
                Instant startedAt, Instant finishedAt, ErrorClass errorClass, String category,
                String message, Integer exitCode, Long durationMs, String logPath) {
        this(jobId, seq, key, payload, scope, status, attempts, interruptions, lastAttempt, fence, nextAttemptAt, startedAt,
                finishedAt, errorClass, category, message, exitCode, durationMs, logPath, null);
    }

    /** The breaker scope of items that have none: the whole job is one scope. */
    public static final String JOB_SCOPE = "*";

    /** The breaker scope an item with this scope (null or empty for none) belongs to. */
    public static String scopeOf(String scope) {
        return scope == null || scope.isEmpty() ? JOB_SCOPE : scope;
    }

    /** This item's breaker scope ({@link #JOB_SCOPE} when it has none). */
    public String breakerScope() {
        return scopeOf(scope);
    }

    /** The idempotency key handed to handlers: stable across attempts and restarts. */
    public String idempotencyKey() {
        return jobId + ":" + seq;
    }
}
