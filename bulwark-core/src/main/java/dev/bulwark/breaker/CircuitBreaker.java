package dev.bulwark.breaker;

import dev.bulwark.ErrorClass;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The breaker of one scope, in process: a {@link BreakerState} changed by the {@link BreakerRules}
 * (the same rules the shared breakers of the PostgreSQL ledger apply to their rows). CLOSED lets
 * every call through and watches failures; OPEN rejects calls until its open time has passed;
 * HALF_OPEN lets {@link BreakerPolicy#trials()} trial calls through — when all succeed the breaker
 * closes, when one fails it opens again (for longer, if the policy grows the open time). A
 * rejection is never an attempt.
 *
 * <p>Time is passed in by the caller (from the engine's injected clock), so every transition is
 * tested with exact instants. Thread-safe.
 */
public final class CircuitBreaker implements Breaker {

    /** The three states. */
    public enum State { CLOSED, OPEN, HALF_OPEN }

    /** What {@link #tryAcquire} decided. */
    public record Permit(boolean permitted, boolean trial, Instant openUntil) {
        static final Permit NORMAL = new Permit(true, false, null);
        static final Permit TRIAL = new Permit(true, true, null);

        static Permit rejected(Instant until) {
            return new Permit(false, false, until);
        }
    }

    /** A change of state, for events and the ledger. */
    public record Transition(String scope, State from, State to, Instant at, Instant openUntil, String reason) {
    }

    /** The state to persist, so a resumed job knows which breakers were open and until when. */
    public record Snapshot(State state, Instant openedAt, Instant openUntil, int reopens) {
    }

    private final String scope;
    private final BreakerPolicy policy;
    private BreakerState state = BreakerState.CLOSED;

    public CircuitBreaker(String scope, BreakerPolicy policy) {
        this.scope = Objects.requireNonNull(scope, "scope");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** A breaker restored from its persisted snapshot (its failure statistics start afresh). */
    public static CircuitBreaker restore(String scope, BreakerPolicy policy, Snapshot snapshot) {
        CircuitBreaker b = new CircuitBreaker(scope, policy);
        boolean halfOpen = snapshot.state() == State.HALF_OPEN; // trials in flight died with the process
        b.state = new BreakerState(halfOpen ? State.OPEN : snapshot.state(), 0, BreakerWindow.EMPTY, snapshot.openedAt(),
                halfOpen ? snapshot.openedAt() : snapshot.openUntil(), snapshot.reopens(), 0, 0);
        return b;
    }

    @Override
    public String scope() {
        return scope;
    }

    @Override
    public BreakerPolicy policy() {
        return policy;
    }

    /** Everything the breaker knows now, as one value (see {@link BreakerRules}). */
    public synchronized BreakerState current() {
        return state;
    }

    /** The state as of {@code now} (an OPEN breaker whose time has passed is HALF_OPEN). */
    @Override
    public synchronized State state(Instant now) {
        state = state.rebased(now);
        return state.stateAt(now);
    }

    @Override
    public synchronized Snapshot snapshot() {
        return new Snapshot(state.state(), state.openedAt(), state.openUntil(), state.reopens());
    }

    /** How many trial calls {@link #tryAcquire} would let through at {@code now} (0 unless half-open). */
    @Override
    public synchronized int trialsAvailable(Instant now) {
        state = state.rebased(now);
        return BreakerRules.trialsAvailable(state, policy, now);
    }

    /** Until when the breaker stays open, or null when it is not open. */
    @Override
    public synchronized Instant openUntil() {
        return state.state() == State.OPEN ? state.openUntil() : null;
    }

    /**
     * Asks to make a call at {@code now}. A permitted call must be followed by exactly one of
     * {@link #onSuccess}, {@link #onFailure} or {@link #release} with the same permit.
     *
     * @param transitions receives the OPEN → HALF_OPEN transition when the open time has passed
     */
    @Override
    public synchronized Permit tryAcquire(Instant now, java.util.function.Consumer<Transition> transitions) {
        BreakerRules.Acquired acquired = BreakerRules.acquire(scope, state.rebased(now), policy, now);
        state = acquired.state();
        acquired.transition().ifPresent(transitions);
        return acquired.permit();
    }

    /** A permitted call succeeded after {@code took}; a call slower than the policy's {@code slow} counts as failed. */
    @Override
    public synchronized Optional<Transition> onSuccess(Permit permit, Instant now, Duration took) {
        return apply(BreakerRules.succeeded(scope, state.rebased(now), policy, now, permit.trial(), took));
    }

    /** A permitted call failed with {@code errorClass}; classes the policy does not count are neutral. */
    public synchronized Optional<Transition> onFailure(Permit permit, Instant now, ErrorClass errorClass, String reason) {
        return onFailure(permit, now, errorClass, null, reason);
    }

    /** A permitted call failed with {@code errorClass} and {@code category}; failures the policy does not count are neutral. */
    @Override
    public synchronized Optional<Transition> onFailure(Permit permit, Instant now, ErrorClass errorClass, String category,
                                                       String reason) {
        return apply(BreakerRules.failed(scope, state.rebased(now), policy, now, permit.trial(), errorClass, category, reason));
    }

    /** A permitted call did not happen or was cut off (pause, cancel): it counts neither way. */
    @Override
    public synchronized void release(Permit permit) {
        state = BreakerRules.release(state, permit.trial());
    }

    /** Closes the breaker by hand ({@code bulwark breaker reset}). */
    @Override
    public synchronized Optional<Transition> reset(Instant now) {
        return apply(BreakerRules.reset(scope, state, now));
    }

    @Override
    public synchronized Optional<Transition> forceOpen(Instant now, Instant until, String reason) {
        return apply(BreakerRules.forceOpen(scope, state, now, until, reason));
    }

    private Optional<Transition> apply(BreakerRules.Step step) {
        state = step.state();
        return step.transition();
    }
}
