package dev.bulwark;

import java.util.Objects;

/**
 * What a handler reports for one attempt.
 *
 * @param succeeded  whether the attempt succeeded
 * @param errorClass the class of the failure, null on success
 * @param category   short failure category ({@code exit:2}, {@code timeout}, {@code http:503}), null on success
 * @param message    a short human message, or null
 * @param exitCode   an exit code or status, or null
 */
public record AttemptResult(boolean succeeded, ErrorClass errorClass, String category, String message, Integer exitCode) {

    public AttemptResult {
        if (!succeeded) {
            Objects.requireNonNull(errorClass, "a failed attempt needs an error class");
            category = category == null || category.isBlank() ? "error" : category;
        }
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
}
