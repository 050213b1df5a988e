package dev.bulwark.ledger;

import dev.bulwark.ItemStatus;
import dev.bulwark.ValidationException;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A claimed item that did not run because its circuit breaker rejected it: a rejection is never
 * an attempt. The item leaves RUNNING without an attempt row and its attempt number goes back:
 * to PENDING (it waits for its breaker), or to FAILED with {@code category} and {@code message}
 * (a breaker in {@code fail} mode; the failure is permanent, it uses no retry).
 *
 * @param jobId    the job
 * @param seq      the item
 * @param fence    the claim's fencing token
 * @param next     PENDING or FAILED
 * @param category failure category for FAILED ({@code breaker-open}), else null
 * @param message  failure message for FAILED, else null
 * @param at       when it was rejected
 */
public record Rejection(UUID jobId, long seq, long fence, ItemStatus next, String category, String message, Instant at) {
    public Rejection {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(at, "at");
        ValidationException.require(next == ItemStatus.PENDING || next == ItemStatus.FAILED,
                "a rejected item goes back to PENDING or becomes FAILED, not " + next);
        ValidationException.require(next != ItemStatus.FAILED || category != null, "a FAILED rejection needs a category");
    }
}
