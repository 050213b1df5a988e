package dev.bulwark.util;

import dev.bulwark.AttemptResult;
import dev.bulwark.Classification;
import dev.bulwark.ErrorClass;
import dev.bulwark.ExceptionClassifier;
import dev.bulwark.HandlerFailureException;
import java.util.List;

/**
 * Turns an exception thrown by a Java handler into an attempt result: Bulwark's own classified
 * exceptions first (also when wrapped), then the batch's classifiers for the exception and each
 * of its causes, then the batch's default class with category {@code exception}. Immutable.
 */
public final class FailureClassifier {
    private static final int MAX_CAUSES = 16;

    private final List<ExceptionClassifier> classifiers;
    private final ErrorClass otherwise;

    public FailureClassifier(List<ExceptionClassifier> classifiers, ErrorClass otherwise) {
        this.classifiers = List.copyOf(classifiers);
        this.otherwise = otherwise;
    }

    public AttemptResult toResult(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HandlerFailureException h) {
                return h.toResult();
            }
            for (ExceptionClassifier c : classifiers) {
                Classification found = c.classify(t);
                if (found != null) {
                    return AttemptResult.failure(found.errorClass(), found.category(), describe(error));
                }
            }
        }
        if (error instanceof InterruptedException) {
            return AttemptResult.failure(ErrorClass.TRANSIENT, "interrupted", "interrupted");
        }
        return AttemptResult.failure(otherwise, "exception", describe(error));
    }

    /**
     * {@code SimpleName: message}; a wrapper without a message of its own ({@code new X(cause)}) shows
     * its cause's, and names its class only when the cause's description does not start with it
     * already (a {@code ConnectException} around a {@code ConnectException} reads once).
     */
    static String describe(Throwable error) {
        String message = error.getMessage();
        Throwable cause = error.getCause();
        boolean borrowed = cause != null && cause != error
                && (message == null || message.isBlank() || message.equals(cause.toString()) || message.equals(cause.getMessage()));
        if (borrowed) {
            String name = error.getClass().getSimpleName();
            String inner = describe(cause);
            return inner.equals(name) || inner.startsWith(name + ": ") ? inner : name + ": " + inner;
        }
        return message == null || message.isBlank() ? error.getClass().getSimpleName()
                : error.getClass().getSimpleName() + ": " + message;
    }
}
