package dev.bulwark;

import java.time.Instant;
import java.util.UUID;

/**
 * What became of one attempt of an item, as reported to {@code onItem} listeners once the ledger
 * recorded it.
 *
 * @param jobId      the job
 * @param seq        the item's position in the batch
 * @param key        the item's key
 * @param kind       what happened
 * @param attempt    the attempt number
 * @param errorClass class of the failure, or null on success and interruption
 * @param category   failure category, or null on success
 * @param message    failure message, or null
 * @param retryAt    when the retry is due ({@link Kind#RETRY_SCHEDULED}), else null
 * @param at         when it was reported
 */
public record ItemOutcome(UUID jobId, long seq, String key, Kind kind, int attempt, ErrorClass errorClass,
                          String category, String message, Instant retryAt, Instant at) {

    /** What happened to the item. */
    public enum Kind {
        /** The item succeeded: final. */
        SUCCEEDED,
        /** The item failed and will not be retried in this run: final (it is in the review queue). */
        FAILED,
        /** The attempt failed transiently; the item runs again at {@code retryAt}. */
        RETRY_SCHEDULED,
        /** The attempt was stopped from outside (pause, cancel, halt) and does not count. */
        INTERRUPTED
    }

    /** The outcome an engine event reports, or null for events that are not about an item's attempt. */
    public static ItemOutcome of(EngineEvent event) {
        return switch (event) {
            case EngineEvent.ItemSucceeded s -> of(s, Kind.SUCCEEDED, null, null);
            case EngineEvent.ItemFailed f -> of(f, Kind.FAILED, f.errorClass(), null);
            case EngineEvent.ItemRetryScheduled r -> of(r, Kind.RETRY_SCHEDULED, r.errorClass(), r.retryAt());
            case EngineEvent.ItemInterrupted i -> of(i, Kind.INTERRUPTED, null, null);
            default -> null;
        };
    }

    private static ItemOutcome of(EngineEvent.AttemptEnded e, Kind kind, ErrorClass errorClass, Instant retryAt) {
        return new ItemOutcome(e.jobId(), e.seq(), e.key(), kind, e.attempt(), errorClass, e.category(), e.message(), retryAt,
                e.at());
    }

    /** Whether this is the item's final outcome in this run. */
    public boolean isFinal() {
        return kind == Kind.SUCCEEDED || kind == Kind.FAILED;
    }
}
