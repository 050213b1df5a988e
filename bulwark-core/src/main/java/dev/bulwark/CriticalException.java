package dev.bulwark;

/** Thrown by a handler for a critical failure; {@code category} feeds statistics and breaker rules. */
public class CriticalException extends HandlerFailureException {
    public CriticalException(String message) {
        super(ErrorClass.CRITICAL, "error", message, null);
    }

    public CriticalException(String category, String message) {
        super(ErrorClass.CRITICAL, category, message, null);
    }

    public CriticalException(String category, String message, Throwable cause) {
        super(ErrorClass.CRITICAL, category, message, cause);
    }
}
