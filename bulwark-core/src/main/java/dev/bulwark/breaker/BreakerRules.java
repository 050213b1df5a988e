package dev.bulwark.breaker;

import dev.bulwark.ErrorClass;
import dev.bulwark.breaker.CircuitBreaker.Permit;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.breaker.CircuitBreaker.Transition;
import dev.bulwark.util.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The breaker rules, once, as pure functions from a {@link BreakerState} (and a policy, a time and
 * what happened) to the next state and the transition, if any. CLOSED lets every call through and
 * counts failures; OPEN rejects calls until its open time has passed; HALF_OPEN lets the policy's
 * trial calls through — when all succeed the breaker closes, when one fails it opens again (for
 * longer, if the policy grows the open time). The in-process {@link CircuitBreaker} and the shared
 * breakers of the PostgreSQL ledger both apply exactly these, so the same outcomes trip a breaker
 * at the same call wherever it is kept. Stateless and thread-safe.
 */
public final class BreakerRules {
    private BreakerRules() {
    }

    /** The next state, and the transition to report if the breaker changed state. */
    public record Step(BreakerState state, Optional<Transition> transition) {
        static Step stay(BreakerState state) {
            return new Step(state, Optional.empty());
        }
    }

    /** The next state, what was decided about the call, and the transition if any. */
    public record Acquired(BreakerState state, Permit permit, Optional<Transition> transition) {
    }

    /** Asks to make a call at {@code now}; an OPEN breaker whose time has passed turns HALF_OPEN first. */
    public static Acquired acquire(String scope, BreakerState s, BreakerPolicy policy, Instant now) {
        return acquire(scope, s, policy.trials(), now);
    }

    /** As {@link #acquire(String, BreakerState, BreakerPolicy, Instant)}, for a policy of {@code trials} trial calls. */
    public static Acquired acquire(String scope, BreakerState s, int trials, Instant now) {
        Optional<Transition> halfOpen = Optional.empty();
        if (s.state() == State.OPEN && !now.isBefore(s.openUntil())) {
            s = s.with(State.HALF_OPEN, s.consecutive(), s.window(), s.openedAt(), s.openUntil(), s.reopens(), 0, 0);
            halfOpen = Optional.of(new Transition(scope, State.OPEN, State.HALF_OPEN, now, null, "open time passed"));
        }
        return switch (s.state()) {
            case CLOSED -> new Acquired(s, Permit.NORMAL, halfOpen);
            case OPEN -> new Acquired(s, Permit.rejected(s.openUntil()), halfOpen);
            case HALF_OPEN -> s.trialsInFlight() + s.trialsSucceeded() < trials
                    ? new Acquired(s.withTrials(s.trialsInFlight() + 1, s.trialsSucceeded()), Permit.TRIAL, halfOpen)
                    : new Acquired(s, Permit.rejected(null), halfOpen); // waiting for the trials in flight
        };
    }

    /** How many trial calls {@link #acquire} would let through at {@code now} (0 unless half-open). */
    public static int trialsAvailable(BreakerState s, BreakerPolicy policy, Instant now) {
        return trialsAvailable(s, policy.trials(), now);
    }

    /** As {@link #trialsAvailable(BreakerState, BreakerPolicy, Instant)}, for a policy of {@code trials} trial calls. */
    public static int trialsAvailable(BreakerState s, int trials, Instant now) {
        return switch (s.stateAt(now)) {
            case CLOSED, OPEN -> 0;
            case HALF_OPEN -> s.state() == State.OPEN ? trials : Math.max(0, trials - s.trialsInFlight() - s.trialsSucceeded());
        };
    }

    /** A permitted call succeeded after {@code took} (null: unknown); a call slower than the policy's {@code slow} counts as failed. */
    public static Step succeeded(String scope, BreakerState s, BreakerPolicy policy, Instant now, boolean trial, Duration took) {
        if (policy.slow() != null && took != null && took.compareTo(policy.slow()) > 0) {
            return failed(scope, s, policy, now, trial,
                    "slow call (" + took.toMillis() + " ms, limit " + policy.slow().toMillis() + " ms)");
        }
        if (trial) {
            s = release(s, true);
            if (s.state() == State.HALF_OPEN && s.trialsSucceeded() + 1 >= policy.trials()) {
                return close(scope, s, now, "trial call succeeded");
            }
            return Step.stay(s.state() == State.HALF_OPEN ? s.withTrials(s.trialsInFlight(), s.trialsSucceeded() + 1) : s);
        }
        if (s.state() != State.CLOSED) {
            return Step.stay(s);
        }
        return Step.stay(s.with(State.CLOSED, 0, count(s, policy, now, false), null, null, s.reopens(), 0, 0));
    }

    /** A permitted call failed with {@code errorClass} (category unknown); classes the policy does not count are neutral. */
    public static Step failed(String scope, BreakerState s, BreakerPolicy policy, Instant now, boolean trial,
                              ErrorClass errorClass, String reason) {
        return failed(scope, s, policy, now, trial, errorClass, null, reason);
    }

    /**
     * A permitted call failed with {@code errorClass} and {@code category}; a failure the policy
     * does not count (see {@link BreakerPolicy#counts}) is neutral.
     */
    public static Step failed(String scope, BreakerState s, BreakerPolicy policy, Instant now, boolean trial,
                              ErrorClass errorClass, String category, String reason) {
        if (!policy.counts(errorClass, category)) {
            return Step.stay(release(s, trial));
        }
        return failed(scope, s, policy, now, trial, reason);
    }

    /** A permitted call did not happen or was cut off (pause, cancel): it counts neither way. */
    public static BreakerState release(BreakerState s, boolean trial) {
        return trial ? s.withTrials(Math.max(0, s.trialsInFlight() - 1), s.trialsSucceeded()) : s;
    }

    /**
     * Opens the breaker by hand (maintenance) until {@code until} ({@link BreakerState#UNTIL_RESET}:
     * until reset); a breaker already open gets the new time.
     */
    public static Step forceOpen(String scope, BreakerState s, Instant now, Instant until, String reason) {
        BreakerState opened = s.with(State.OPEN, s.consecutive(), s.window(), now, until, s.reopens(), 0, 0);
        return new Step(opened, Optional.of(new Transition(scope, s.state(), State.OPEN, now, until, reason)));
    }

    /** Closes the breaker by hand ({@code bulwark breaker reset}); no transition when it was closed. */
    public static Step reset(String scope, BreakerState s, Instant now) {
        return s.state() == State.CLOSED ? Step.stay(s) : close(scope, s, now, "reset by hand");
    }

    private static Step failed(String scope, BreakerState s, BreakerPolicy policy, Instant now, boolean trial, String reason) {
        if (trial) {
            s = release(s, true);
            if (s.state() == State.HALF_OPEN) {
                return open(scope, s, policy, now, s.reopens() + 1, "trial call failed: " + reason);
            }
            return Step.stay(s);
        }
        if (s.state() != State.CLOSED) {
            return Step.stay(s); // a call let through before the breaker opened: already counted as open
        }
        int consecutive = s.consecutive() + 1;
        BreakerWindow window = count(s, policy, now, true);
        s = s.with(State.CLOSED, consecutive, window, null, null, s.reopens(), 0, 0);
        String why = switch (policy.trip()) {
            case CONSECUTIVE -> consecutive >= policy.threshold() ? consecutive + " consecutive failures" : null;
            case FAILURES -> {
                int failures = window.failures(now, policy.window());
                yield failures >= policy.threshold() ? failures + " failures within " + Durations.format(policy.window()) : null;
            }
            case RATE -> {
                int calls = window.calls(now, policy.window());
                int failures = window.failures(now, policy.window());
                yield calls >= policy.minCalls() && 100.0 * failures / calls >= policy.rate()
                        ? String.format(Locale.ROOT, "failure rate %.0f%% of %d calls within %s", 100.0 * failures / calls,
                        calls, Durations.format(policy.window())) : null;
            }
        };
        return why == null ? Step.stay(s) : open(scope, s, policy, now, 0, why + "; last: " + reason);
    }

    /** The window with this call counted (a consecutive-failures breaker keeps no window). */
    private static BreakerWindow count(BreakerState s, BreakerPolicy policy, Instant now, boolean failed) {
        return policy.trip() == BreakerPolicy.Trip.CONSECUTIVE ? s.window() : s.window().record(now, policy.window(), failed);
    }

    private static Step open(String scope, BreakerState s, BreakerPolicy policy, Instant now, int reopens, String reason) {
        Instant until = policy.manual() ? BreakerState.UNTIL_RESET : now.plus(policy.openTime(reopens));
        BreakerState opened = s.with(State.OPEN, s.consecutive(), s.window(), now, until, reopens, 0, 0);
        return new Step(opened, Optional.of(new Transition(scope, s.state(), State.OPEN, now, until, reason)));
    }

    private static Step close(String scope, BreakerState s, Instant now, String reason) {
        return new Step(BreakerState.CLOSED, Optional.of(new Transition(scope, s.state(), State.CLOSED, now, null, reason)));
    }
}
