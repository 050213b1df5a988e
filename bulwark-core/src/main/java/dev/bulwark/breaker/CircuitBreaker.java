package dev.bulwark.breaker;

import dev.bulwark.ErrorClass;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;

/**
 * The breaker of one scope: CLOSED lets every call through and watches failures; OPEN rejects
 * calls until its open time has passed; HALF_OPEN lets {@link BreakerPolicy#trials()} trial calls
 * through — when all succeed the breaker closes, when one fails it opens again (for longer, if the
 * policy grows the open time). A rejection is never an attempt.
 *
 * <p>Time is passed in by the caller (from the engine's injected clock), so every transition is
 * tested with exact instants. Thread-safe.
 */
public final class CircuitBreaker {

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
    private State state = State.CLOSED;
    private Instant openedAt;
    private Instant openUntil;
    private int reopens;
    private int consecutive;
    private final Deque<Call> window = new ArrayDeque<>();
    private int windowFailures;
    private int trialsInFlight;
    private int trialsSucceeded;

    private record Call(Instant at, boolean failed) {
    }

    public CircuitBreaker(String scope, BreakerPolicy policy) {
        this.scope = Objects.requireNonNull(scope, "scope");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** A breaker restored from its persisted snapshot (its failure statistics start afresh). */
    public static CircuitBreaker restore(String scope, BreakerPolicy policy, Snapshot snapshot) {
        CircuitBreaker b = new CircuitBreaker(scope, policy);
        b.state = snapshot.state() == State.HALF_OPEN ? State.OPEN : snapshot.state(); // trials in flight died with the process
        b.openedAt = snapshot.openedAt();
        b.openUntil = snapshot.state() == State.HALF_OPEN ? snapshot.openedAt() : snapshot.openUntil();
        b.reopens = snapshot.reopens();
        return b;
    }

    public String scope() {
        return scope;
    }

    public BreakerPolicy policy() {
        return policy;
    }

    /** The state as of {@code now} (an OPEN breaker whose time has passed is HALF_OPEN). */
    public synchronized State state(Instant now) {
        return state == State.OPEN && !now.isBefore(openUntil) ? State.HALF_OPEN : state;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(state, openedAt, openUntil, reopens);
    }

    /** How many trial calls {@link #tryAcquire} would let through at {@code now} (0 unless half-open). */
    public synchronized int trialsAvailable(Instant now) {
        if (state == State.OPEN) {
            return now.isBefore(openUntil) ? 0 : policy.trials();
        }
        return state == State.HALF_OPEN ? Math.max(0, policy.trials() - trialsInFlight - trialsSucceeded) : 0;
    }

    /** Until when the breaker stays open, or null when it is not open. */
    public synchronized Instant openUntil() {
        return state == State.OPEN ? openUntil : null;
    }

    /**
     * Asks to make a call at {@code now}. A permitted call must be followed by exactly one of
     * {@link #onSuccess}, {@link #onFailure} or {@link #release} with the same permit.
     *
     * @param transitions receives the OPEN → HALF_OPEN transition when the open time has passed
     */
    public synchronized Permit tryAcquire(Instant now, java.util.function.Consumer<Transition> transitions) {
        if (state == State.OPEN && !now.isBefore(openUntil)) {
            state = State.HALF_OPEN;
            trialsInFlight = 0;
            trialsSucceeded = 0;
            transitions.accept(new Transition(scope, State.OPEN, State.HALF_OPEN, now, null, "open time passed"));
        }
        return switch (state) {
            case CLOSED -> Permit.NORMAL;
            case OPEN -> Permit.rejected(openUntil);
            case HALF_OPEN -> {
                if (trialsInFlight + trialsSucceeded < policy.trials()) {
                    trialsInFlight++;
                    yield Permit.TRIAL;
                }
                yield Permit.rejected(null); // waiting for the trials in flight
            }
        };
    }

    /** A permitted call succeeded after {@code took}; a call slower than the policy's {@code slow} counts as failed. */
    public synchronized Optional<Transition> onSuccess(Permit permit, Instant now, Duration took) {
        if (policy.slow() != null && took != null && took.compareTo(policy.slow()) > 0) {
            return failed(permit, now, "slow call (" + took.toMillis() + " ms, limit " + policy.slow().toMillis() + " ms)");
        }
        if (permit.trial()) {
            trialsInFlight = Math.max(0, trialsInFlight - 1);
            if (state == State.HALF_OPEN && ++trialsSucceeded >= policy.trials()) {
                return Optional.of(close(now, "trial call succeeded"));
            }
            return Optional.empty();
        }
        if (state == State.CLOSED) {
            consecutive = 0;
            record(now, false);
        }
        return Optional.empty();
    }

    /** A permitted call failed with {@code errorClass}; classes the policy does not count are neutral. */
    public synchronized Optional<Transition> onFailure(Permit permit, Instant now, ErrorClass errorClass, String reason) {
        if (!policy.counted().contains(errorClass)) {
            release(permit);
            return Optional.empty();
        }
        return failed(permit, now, reason);
    }

    /** A permitted call did not happen or was cut off (pause, cancel): it counts neither way. */
    public synchronized void release(Permit permit) {
        if (permit.trial()) {
            trialsInFlight = Math.max(0, trialsInFlight - 1);
        }
    }

    /** Closes the breaker by hand ({@code bulwark breaker reset}). */
    public synchronized Optional<Transition> reset(Instant now) {
        if (state == State.CLOSED) {
            return Optional.empty();
        }
        return Optional.of(close(now, "reset by hand"));
    }

    private Optional<Transition> failed(Permit permit, Instant now, String reason) {
        if (permit.trial()) {
            trialsInFlight = Math.max(0, trialsInFlight - 1);
            if (state == State.HALF_OPEN) {
                reopens++;
                return Optional.of(open(now, State.HALF_OPEN, "trial call failed: " + reason));
            }
            return Optional.empty();
        }
        if (state != State.CLOSED) {
            return Optional.empty(); // a call let through before the breaker opened: already counted as open
        }
        consecutive++;
        record(now, true);
        String why = switch (policy.trip()) {
            case CONSECUTIVE -> consecutive >= policy.threshold()
                    ? consecutive + " consecutive failures" : null;
            case FAILURES -> windowFailures >= policy.threshold()
                    ? windowFailures + " failures within " + dev.bulwark.internal.Durations.format(policy.window()) : null;
            case RATE -> window.size() >= policy.minCalls() && 100.0 * windowFailures / window.size() >= policy.rate()
                    ? String.format(java.util.Locale.ROOT, "failure rate %.0f%% of %d calls within %s",
                    100.0 * windowFailures / window.size(), window.size(), dev.bulwark.internal.Durations.format(policy.window()))
                    : null;
        };
        if (why == null) {
            return Optional.empty();
        }
        reopens = 0;
        return Optional.of(open(now, State.CLOSED, why + "; last: " + reason));
    }

    private void record(Instant now, boolean failed) {
        if (policy.trip() == BreakerPolicy.Trip.CONSECUTIVE) {
            return;
        }
        window.addLast(new Call(now, failed));
        if (failed) {
            windowFailures++;
        }
        Instant horizon = now.minus(policy.window());
        while (!window.isEmpty() && !window.peekFirst().at().isAfter(horizon)) {
            if (window.removeFirst().failed()) {
                windowFailures--;
            }
        }
    }

    private Transition open(Instant now, State from, String reason) {
        state = State.OPEN;
        openedAt = now;
        openUntil = now.plus(policy.openTime(reopens));
        trialsInFlight = 0;
        trialsSucceeded = 0;
        return new Transition(scope, from, State.OPEN, now, openUntil, reason);
    }

    private Transition close(Instant now, String reason) {
        State from = state;
        state = State.CLOSED;
        openedAt = null;
        openUntil = null;
        reopens = 0;
        consecutive = 0;
        window.clear();
        windowFailures = 0;
        trialsInFlight = 0;
        trialsSucceeded = 0;
        return new Transition(scope, from, State.CLOSED, now, null, reason);
    }
}
