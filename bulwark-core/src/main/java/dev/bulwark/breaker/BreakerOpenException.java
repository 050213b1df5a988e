package dev.bulwark.breaker;

import dev.bulwark.BulwarkException;
import java.time.Instant;

/**
 * A {@link NamedBreaker} refused a call without making it: the breaker is open, or half-open with
 * its trial calls in flight. Nothing was called and nothing counted.
 */
public final class BreakerOpenException extends BulwarkException {
    private static final long serialVersionUID = 1L;

    private final String breaker;
    private final transient Instant openUntil;

    public BreakerOpenException(String breaker, Instant openUntil) {
        super(openUntil != null ? "circuit breaker " + breaker + " is open " + BreakerState.describeUntil(openUntil)
                : "circuit breaker " + breaker + " is half-open and waits for its trial call");
        this.breaker = breaker;
        this.openUntil = openUntil;
    }

    /** The breaker's name. */
    public String breaker() {
        return breaker;
    }

    /** Until when it stays open ({@link BreakerState#UNTIL_RESET}: until reset), or null when it is half-open. */
    public Instant openUntil() {
        return openUntil;
    }
}
