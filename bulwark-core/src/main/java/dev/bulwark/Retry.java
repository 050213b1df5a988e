package dev.bulwark;

import java.time.Duration;

/**
 * Short factories for the {@link RetryPolicy} of a batch:
 * {@code Bulwark.batch(items).retry(Retry.exponential(3, Duration.ofSeconds(1)))}.
 * Every policy returned is immutable and may be shared.
 */
public final class Retry {

    private Retry() {
    }

    /** One attempt only: a transient failure fails the item at once. */
    public static RetryPolicy none() {
        return RetryPolicy.none();
    }

    /**
     * {@code retries} retries after the first attempt, the first after {@code initialDelay}, each
     * next one twice as late, with ±20% jitter, never longer than {@link RetryPolicy#DEFAULT_MAX_DELAY}
     * (or {@code initialDelay}, when that is longer).
     */
    public static RetryPolicy exponential(int retries, Duration initialDelay) {
        Duration max = initialDelay.compareTo(RetryPolicy.DEFAULT_MAX_DELAY) > 0 ? initialDelay : RetryPolicy.DEFAULT_MAX_DELAY;
        return RetryPolicy.exponential(retries, initialDelay, max);
    }

    /** Like {@link #exponential(int, Duration)}, capped at {@code maxDelay}. */
    public static RetryPolicy exponential(int retries, Duration initialDelay, Duration maxDelay) {
        return RetryPolicy.exponential(retries, initialDelay, maxDelay);
    }

    /** {@code retries} retries, each {@code delay} after the failure before it, without jitter. */
    public static RetryPolicy fixed(int retries, Duration delay) {
        return new RetryPolicy(retries + 1, delay, delay, 1.0, 0.0);
    }
}
