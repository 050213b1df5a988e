package dev.bulwark;

import java.time.Duration;

/**
 * Thrown by a handler for a transient failure; {@code category} feeds statistics and breaker
 * rules. {@link #retryAfter(Duration)} asks that the retry wait at least that long (a rate limit's
 * "come back in 30 s"), even when the backoff is shorter.
 */
public class TransientException extends HandlerFailureException {
    private Duration retryAfter;

    public TransientException(String message) {
        super(ErrorClass.TRANSIENT, "error", message, null);
    }

    public TransientException(String category, String message) {
        super(ErrorClass.TRANSIENT, category, message, null);
    }

    public TransientException(String category, String message, Throwable cause) {
        super(ErrorClass.TRANSIENT, category, message, cause);
    }

    /** Asks that the retry wait at least {@code delay}; returns this exception, to throw. */
    public TransientException retryAfter(Duration delay) {
        ValidationException.require(delay != null && !delay.isNegative(), "retry-after must not be negative, but was " + delay);
        this.retryAfter = delay;
        return this;
    }

    @Override
    public AttemptResult toResult() {
        return super.toResult().withRetryAfter(retryAfter);
    }
}
