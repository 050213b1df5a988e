package dev.bulwark;

import java.nio.charset.StandardCharsets;
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
 * @param result     what a successful attempt produced, as text to store with the item (JSON for
 *                   the Java API's typed results), at most {@link #MAX_RESULT_BYTES} in UTF-8; null
 *                   for none, and always null on failure
 */
public record AttemptResult(boolean succeeded, ErrorClass errorClass, String category, String message, Integer exitCode,
                            Duration retryAfter, String result) {

    /**
     * The most a stored result may take, in UTF-8 bytes (8 KiB): a result is small (an id, a size,
     * a path); a larger one fails its item permanently with category {@value #RESULT_TOO_LARGE}.
     */
    public static final int MAX_RESULT_BYTES = 8 * 1024;
    /** The category of an item whose handler returned a result over {@link #MAX_RESULT_BYTES}. */
    public static final String RESULT_TOO_LARGE = "result-too-large";

    public AttemptResult {
        if (!succeeded) {
            Objects.requireNonNull(errorClass, "a failed attempt needs an error class");
            category = category == null || category.isBlank() ? "error" : category;
            result = null;
        }
        if (retryAfter != null && retryAfter.isNegative()) {
            retryAfter = Duration.ZERO;
        }
    }

    /** A result without a stored result text. */
    public AttemptResult(boolean succeeded, ErrorClass errorClass, String category, String message, Integer exitCode,
                         Duration retryAfter) {
        this(succeeded, errorClass, category, message, exitCode, retryAfter, null);
    }

    /** A result without a requested retry delay. */
    public AttemptResult(boolean succeeded, ErrorClass errorClass, String category, String message, Integer exitCode) {
        this(succeeded, errorClass, category, message, exitCode, null, null);
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
        return new AttemptResult(succeeded, errorClass, category, message, exitCode, delay, result);
    }

    /**
     * This successful result, with {@code text} to store with the item (null for none); see
     * {@link #MAX_RESULT_BYTES}. Throws {@link IllegalStateException} on a failure, which stores no result.
     */
    public AttemptResult withResult(String text) {
        if (!succeeded) {
            throw new IllegalStateException("only a successful attempt stores a result");
        }
        return new AttemptResult(true, null, category, message, exitCode, retryAfter, text);
    }

    /**
     * Why {@code text} cannot be stored as an item's result (it is over {@link #MAX_RESULT_BYTES}),
     * or null when it can (null text included).
     */
    public static String resultTooLarge(String text) {
        if (text == null || (long) text.length() * 3 <= MAX_RESULT_BYTES) {
            return null;
        }
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        return bytes <= MAX_RESULT_BYTES ? null : "the result is " + bytes + " bytes (UTF-8), over the limit of "
                + MAX_RESULT_BYTES + " bytes: store something small (an id, a size, a path) and keep large data elsewhere";
    }
}
