package dev.bulwark;

import java.time.Duration;
import java.util.Objects;

/**
 * What a handler reports for one attempt. Immutable.
 *
 * @param succeeded  whether the attempt succeeded
 * @param errorClass the class of the failure, null on success
 * @param category   short failure category ({@code exit:2}, {@code timeout}, {@code http:503}), null on success
 * @param message    a short human message, or null
 * @param exitCode   an exit code or status, or null
 * @param retryAfter the earliest delay before a retry that the target asked for (an HTTP
 *                   {@code Retry-After}), or null; a transient failure is then retried no sooner
 *                   than this, even when the backoff is shorter
 */
public record AttemptResult(boolean succeeded, ErrorClass errorClass, String category, String message, Integer exitCode,
                            Duration retryAfter) {

    public AttemptResult {
        if (!succeeded) {
            Objects.requireNonNull(errorClass, "a failed attempt needs an error class");
            category = category == null || category.isBlank() ? "error" : category;
        }
        if (retryAfter != null && retryAfter.isNegative()) {
            retryAfter = Duration.ZERO;
        }
    }

    /** A result without a requested retry delay. */
    public AttemptResult(boolean succeeded, ErrorClass errorClass, String category, String message, Integer exitCode) {
        this(succeeded, errorClass, category, message, exitCode, null);
    }

    public static AttemptResult success() {
        return new AttemptResult(true, null, null, null, null);
    }

    public static AttemptResult success(Integer exitCode) {
        return new AttemptResult(true, null, null, null, exitCode);
    }

    public static AttemptResult failure(ErrorClass errorClass, String category, String message) {
        return new AttemptResult(false, errorClass, category, message, null);
    }

    public static AttemptResult failure(ErrorClass errorClass, String category, String message, Integer exitCode) {
        return new AttemptResult(false, errorClass, category, message, exitCode);
    }

    /** This result, asking that a retry wait at least {@code delay} (null for no such wish). */
    public AttemptResult withRetryAfter(Duration delay) {
        return new AttemptResult(succeeded, errorClass, category, message, exitCode, delay);
    }
}
