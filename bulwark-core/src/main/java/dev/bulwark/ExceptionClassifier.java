package dev.bulwark;

import java.util.Objects;

/**
 * Classifies exceptions a handler throws that are not Bulwark's own ({@link TransientException}
 * and its siblings classify themselves): for example {@code IOException} → transient,
 * {@code SAXParseException} → permanent. Returns null for an exception it does not know, so
 * classifiers chain: the first non-null answer wins. The batch asks for the exception and then
 * for each of its causes in turn.
 *
 * <p>Must be thread-safe and must not throw.
 */
@FunctionalInterface
public interface ExceptionClassifier {

    /** The classification of {@code error}, or null when this classifier does not know it. */
    Classification classify(Throwable error);

    /**
     * Classifies {@code type} and its subclasses as {@code errorClass} with {@code category}.
     */
    static ExceptionClassifier of(Class<? extends Throwable> type, ErrorClass errorClass, String category) {
        Objects.requireNonNull(type, "type");
        Classification c = new Classification(errorClass, category);
        return error -> type.isInstance(error) ? c : null;
    }

    /** This classifier, and {@code next} for what this one does not know. */
    default ExceptionClassifier orElse(ExceptionClassifier next) {
        Objects.requireNonNull(next, "next");
        return error -> {
            Classification c = classify(error);
            return c != null ? c : next.classify(error);
        };
    }
}
