package dev.bulwark.breaker;

import dev.bulwark.ErrorClass;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One circuit breaker, wherever its state is kept: in this process ({@link CircuitBreaker}) or
 * in a {@link BreakerStore} shared by every job and process on a ledger ({@link StoredBreaker}).
 * Both apply the {@link BreakerRules}. Time is passed in by the caller. Thread-safe.
 */
public interface Breaker {

    /** The breaker's name: the scope of a job's breaker, or the name of a shared breaker. */
    String scope();

    /** The policy the breaker applies (for a shared breaker: the one kept with it in the store). */
    BreakerPolicy policy();

    /** The state as of {@code now} (an OPEN breaker whose time has passed is HALF_OPEN). */
    CircuitBreaker.State state(Instant now);

    /** The state to show and persist. */
    CircuitBreaker.Snapshot snapshot();

    /** How many trial calls {@link #tryAcquire} would let through at {@code now} (0 unless half-open). */
    int trialsAvailable(Instant now);

    /** Until when the breaker stays open ({@link BreakerState#UNTIL_RESET}: until reset), or null when it is not open. */
    Instant openUntil();

    /**
     * Asks to make a call at {@code now}. A permitted call must be followed by exactly one of
     * {@link #onSuccess}, {@link #onFailure} or {@link #release} with the same permit.
     *
     * @param transitions receives the OPEN → HALF_OPEN transition when the open time has passed
     */
    CircuitBreaker.Permit tryAcquire(Instant now, Consumer<CircuitBreaker.Transition> transitions);

    /** A permitted call succeeded after {@code took}; a call slower than the policy's {@code slow} counts as failed. */
    Optional<CircuitBreaker.Transition> onSuccess(CircuitBreaker.Permit permit, Instant now, Duration took);

    /** A permitted call failed with {@code errorClass} and {@code category}; failures the policy does not count are neutral. */
    Optional<CircuitBreaker.Transition> onFailure(CircuitBreaker.Permit permit, Instant now, ErrorClass errorClass, String category,
                                                  String reason);

    /** A permitted call did not happen or was cut off (pause, cancel): it counts neither way. */
    void release(CircuitBreaker.Permit permit);

    /** Closes the breaker by hand; empty when it was closed. */
    Optional<CircuitBreaker.Transition> reset(Instant now);

    /**
     * Opens the breaker by hand (maintenance) until {@code until} ({@link BreakerState#UNTIL_RESET}
     * for "until reset"), with {@code reason}.
     */
    Optional<CircuitBreaker.Transition> forceOpen(Instant now, Instant until, String reason);
}
