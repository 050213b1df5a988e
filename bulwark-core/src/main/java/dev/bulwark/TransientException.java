package dev.bulwark;

/** Thrown by a handler for a transient failure; {@code category} feeds statistics and breaker rules. */
public class TransientException extends HandlerFailureException {
    public TransientException(String message) {
        super(ErrorClass.TRANSIENT, "error", message, null);
    }

    public TransientException(String category, String message) {
        super(ErrorClass.TRANSIENT, category, message, null);
    }

    public TransientException(String category, String message, Throwable cause) {
        super(ErrorClass.TRANSIENT, category, message, cause);
    }
}
