package dev.bulwark.breaker;

import dev.bulwark.breaker.CircuitBreaker.State;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Everything a breaker knows, as one value: the in-process {@link CircuitBreaker} holds one, the
 * shared PostgreSQL ledger stores one per job and scope in a row. {@link BreakerRules} turn one
 * into the next.
 *
 * @param consecutive     counted failures in a row while CLOSED (trip {@code consecutive=N})
 * @param window          calls and failures within the policy's window (trips {@code failures=N} and {@code rate=P%})
 * @param openedAt        when it last opened (null when CLOSED)
 * @param openUntil       until when it stays OPEN (null unless OPEN)
 * @param reopens         re-opens since it last closed: the open time grows with them
 * @param trialsInFlight  trial calls let through while HALF_OPEN and not finished yet
 * @param trialsSucceeded trial calls that succeeded while HALF_OPEN
 */
public record BreakerState(State state, int consecutive, BreakerWindow window, Instant openedAt, Instant openUntil,
                           int reopens, int trialsInFlight, int trialsSucceeded) {
    /** A breaker that never saw a call. */
    public static final BreakerState CLOSED = new BreakerState(State.CLOSED, 0, BreakerWindow.EMPTY, null, null, 0, 0, 0);
    /**
     * The {@code openUntil} of a breaker whose policy is reset by hand only
     * ({@link BreakerPolicy#manual()}): a time that never comes, which every ledger can store.
     */
    public static final Instant UNTIL_RESET = Instant.parse("9999-12-31T23:59:59Z");

    /** Whether {@code openUntil} means "until reset by hand". */
    public static boolean untilReset(Instant openUntil) {
        return UNTIL_RESET.equals(openUntil);
    }

    /** {@code openUntil} for people: {@code until reset}, or {@code until 2026-01-01T10:00:00Z}. */
    public static String describeUntil(Instant openUntil) {
        return untilReset(openUntil) ? "until reset" : "until " + openUntil;
    }

    public BreakerState {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(window, "window");
        if (state == State.OPEN && openUntil == null) {
            throw new IllegalArgumentException("an OPEN breaker needs the time until which it stays open");
        }
        if (consecutive < 0 || reopens < 0 || trialsInFlight < 0 || trialsSucceeded < 0) {
            throw new IllegalArgumentException("breaker counters cannot be negative: " + consecutive + ", " + reopens + ", "
                    + trialsInFlight + ", " + trialsSucceeded);
        }
    }

    /** The state as of {@code now}: an OPEN breaker whose time has passed is HALF_OPEN. */
    public State stateAt(Instant now) {
        return state == State.OPEN && !now.isBefore(openUntil) ? State.HALF_OPEN : state;
    }

    /**
     * This state seen from {@code now} after the wall clock went back past the breaker's opening
     * (an operator, NTP): an OPEN breaker then stays open for its open time from {@code now}, not
     * for the length of the jump more. Any other state is returned as it is.
     */
    public BreakerState rebased(Instant now) {
        if (state == State.OPEN && openedAt != null && now.isBefore(openedAt)) {
            return with(state, consecutive, window, now, now.plus(Duration.between(openedAt, openUntil)), reopens, trialsInFlight,
                    trialsSucceeded);
        }
        return this;
    }

    BreakerState with(State state, int consecutive, BreakerWindow window, Instant openedAt, Instant openUntil, int reopens,
                      int trialsInFlight, int trialsSucceeded) {
        return new BreakerState(state, consecutive, window, openedAt, openUntil, reopens, trialsInFlight, trialsSucceeded);
    }

    BreakerState withTrials(int inFlight, int succeeded) {
        return new BreakerState(state, consecutive, window, openedAt, openUntil, reopens, inFlight, succeeded);
    }
}
