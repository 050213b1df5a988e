package dev.bulwark.util;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Rate of final outcomes over a sliding window, and the ETA it implies. Thread-safe.
 */
public final class RateMeter {
    private static final long WINDOW_NANOS = Duration.ofSeconds(10).toNanos();

    private record Sample(long nanos, long done) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    public synchronized void record(long nanos, long done) {
        samples.addLast(new Sample(nanos, done));
        while (samples.size() > 2 && nanos - samples.peekFirst().nanos() > WINDOW_NANOS) {
            samples.removeFirst();
        }
    }

    /** Items per second over the window, 0 when unknown. */
    public synchronized double perSecond() {
        if (samples.size() < 2) {
            return 0;
        }
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        long nanos = last.nanos() - first.nanos();
        return nanos <= 0 ? 0 : (last.done() - first.done()) * 1e9 / nanos;
    }

    /** Time to finish {@code remaining} items at the current rate, or null when unknown. */
    public synchronized Duration eta(long remaining) {
        if (remaining <= 0) {
            return Duration.ZERO;
        }
        double rate = perSecond();
        return rate <= 0 ? null : Duration.ofMillis((long) (remaining / rate * 1000));
    }
}
