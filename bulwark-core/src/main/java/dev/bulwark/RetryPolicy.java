package dev.bulwark;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How often and how late a transiently failed item is tried again: exponential backoff with
 * jitter, capped. Retries are scheduled in the ledger (RETRY_WAIT with a due time), never by a
 * sleeping thread, so they survive restarts.
 *
 * @param maxAttempts  attempts in all, the first one included (1 = no retry)
 * @param initialDelay delay before the first retry
 * @param maxDelay     no delay is ever longer
 * @param multiplier   growth factor per retry (2 doubles)
 * @param jitter       relative random spread, 0 to 1 (0.2 = ±20%)
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, double multiplier, double jitter) {

    public static final int DEFAULT_RETRIES = 2;
    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofMinutes(1);
    public static final double DEFAULT_MULTIPLIER = 2.0;
    public static final double DEFAULT_JITTER = 0.2;

    public static final RetryPolicy DEFAULT = new RetryPolicy(DEFAULT_RETRIES + 1, DEFAULT_INITIAL_DELAY,
            DEFAULT_MAX_DELAY, DEFAULT_MULTIPLIER, DEFAULT_JITTER);

    public RetryPolicy {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        ValidationException.require(maxAttempts >= 1 && maxAttempts <= 1_000,
                "retries must be between 0 and 999, but was " + (maxAttempts - 1));
        ValidationException.require(!initialDelay.isNegative(),
                "backoff must not be negative, but was " + initialDelay);
        ValidationException.require(!maxDelay.isNegative() && maxDelay.compareTo(initialDelay) >= 0,
                "backoff-max must be at least the backoff (" + initialDelay + "), but was " + maxDelay);
        ValidationException.require(multiplier >= 1.0 && multiplier <= 100.0,
                "backoff multiplier must be between 1 and 100, but was " + multiplier);
        ValidationException.require(jitter >= 0.0 && jitter <= 1.0,
                "jitter must be between 0 and 1, but was " + jitter);
    }

    /** No retry: one attempt only. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0, 0.0);
    }

    /** {@code retries} retries after the first attempt, exponential from {@code initialDelay}, capped at {@code maxDelay}. */
    public static RetryPolicy exponential(int retries, Duration initialDelay, Duration maxDelay) {
        return new RetryPolicy(retries + 1, initialDelay, maxDelay, DEFAULT_MULTIPLIER, DEFAULT_JITTER);
    }

    public RetryPolicy withJitter(double newJitter) {
        return new RetryPolicy(maxAttempts, initialDelay, maxDelay, multiplier, newJitter);
    }

    /** Retries after the first attempt. */
    public int retries() {
        return maxAttempts - 1;
    }

    /** Whether an item that has finished {@code attemptsSoFar} attempts may be tried again. */
    public boolean allowsAnotherAttempt(int attemptsSoFar) {
        return attemptsSoFar < maxAttempts;
    }

    /**
     * The delay before the next attempt of an item that has failed {@code attemptsSoFar} times
     * (1 after the first failure): {@code initialDelay × multiplier^(attemptsSoFar-1)}, spread by
     * the jitter and capped at {@code maxDelay}.
     */
    public Duration delayAfter(int attemptsSoFar, RandomGenerator random) {
        double base = initialDelay.toNanos() * Math.pow(multiplier, Math.max(0, attemptsSoFar - 1));
        double capped = Math.min(base, maxDelay.toNanos());
        double spread = jitter == 0 ? 1.0 : 1.0 - jitter + 2 * jitter * random.nextDouble();
        double nanos = Math.min(capped * spread, maxDelay.toNanos());
        return Duration.ofNanos((long) nanos);
    }
}
