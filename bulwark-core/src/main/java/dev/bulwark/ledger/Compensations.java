package dev.bulwark.ledger;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;

/** The checks every ledger makes on a compensation attempt before it records it. */
public final class Compensations {
    private Compensations() {
    }

    /** Throws {@link IllegalArgumentException} unless {@code a} is a compensation numbered right after {@code lastAttempt}. */
    public static void check(Attempt a, int lastAttempt) {
        if (a.outcome() != AttemptOutcome.COMPENSATED && a.outcome() != AttemptOutcome.COMPENSATION_FAILED) {
            throw new IllegalArgumentException("a compensation attempt ends COMPENSATED or COMPENSATION_FAILED, not " + a.outcome());
        }
        if (a.number() != lastAttempt + 1) {
            throw new IllegalArgumentException("the compensation of item " + a.seq() + " must be attempt " + (lastAttempt + 1)
                    + ", not " + a.number());
        }
    }
}
