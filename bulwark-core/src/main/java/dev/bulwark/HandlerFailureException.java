package dev.bulwark;

/** A classified failure thrown by a handler; the engine turns it into an attempt outcome. */
public abstract class HandlerFailureException extends BulwarkException {
    private final ErrorClass errorClass;
    private final String category;

    protected HandlerFailureException(ErrorClass errorClass, String category, String message, Throwable cause) {
        super(message, cause);
        this.errorClass = errorClass;
        this.category = category;
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    public String category() {
        return category;
    }

    public AttemptResult toResult() {
        return AttemptResult.failure(errorClass, category, getMessage());
    }
}
