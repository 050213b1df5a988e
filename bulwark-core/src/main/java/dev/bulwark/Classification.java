package dev.bulwark;

import java.util.Objects;

/**
 * How a failure is treated: its error class and short category ({@code io}, {@code parse},
 * {@code http:503}) for statistics and breaker rules.
 *
 * @param errorClass transient, permanent or critical
 * @param category   a short category, never blank
 */
public record Classification(ErrorClass errorClass, String category) {

    public Classification {
        Objects.requireNonNull(errorClass, "errorClass");
        ValidationException.require(category != null && !category.isBlank(),
                "a classification needs a category, but it was '" + category + "'");
    }

    public static Classification transientFailure(String category) {
        return new Classification(ErrorClass.TRANSIENT, category);
    }

    public static Classification permanent(String category) {
        return new Classification(ErrorClass.PERMANENT, category);
    }

    public static Classification critical(String category) {
        return new Classification(ErrorClass.CRITICAL, category);
    }
}
