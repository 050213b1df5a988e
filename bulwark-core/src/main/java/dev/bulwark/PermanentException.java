package dev.bulwark;

/** Thrown by a handler for a permanent failure; {@code category} feeds statistics and breaker rules. */
public class PermanentException extends HandlerFailureException {
    public PermanentException(String message) {
        super(ErrorClass.PERMANENT, "error", message, null);
    }

    public PermanentException(String category, String message) {
        super(ErrorClass.PERMANENT, category, message, null);
    }

    public PermanentException(String category, String message, Throwable cause) {
        super(ErrorClass.PERMANENT, category, message, cause);
    }
}
