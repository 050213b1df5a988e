package dev.bulwark.engine;

import java.util.Arrays;

/**
 * The median duration of a job's most recent successful attempts (at most {@link #WINDOW}), for
 * a timeout relative to it ({@code --timeout N%}). Constant memory whatever the job's size: a
 * ring of the recent durations and the same durations sorted. Thread-safe.
 */
final class SuccessMedian {
    /** Successes the median looks back on. */
    static final int WINDOW = 1001;

    private final long[] ring = new long[WINDOW];
    private final long[] sorted = new long[WINDOW];
    private int size;
    private int next;

    /** Counts a successful attempt that took {@code nanos}. */
    synchronized void add(long nanos) {
        if (size == WINDOW) {
            remove(ring[next]);
        }
        ring[next] = nanos;
        next = (next + 1) % WINDOW;
        int at = Arrays.binarySearch(sorted, 0, size, nanos);
        at = at < 0 ? -at - 1 : at;
        System.arraycopy(sorted, at, sorted, at + 1, size - at);
        sorted[at] = nanos;
        size++;
    }

    private void remove(long nanos) {
        int at = Arrays.binarySearch(sorted, 0, size, nanos);
        System.arraycopy(sorted, at + 1, sorted, at, size - at - 1);
        size--;
    }

    /** The median in nanoseconds (the lower middle of an even count), or -1 before the first success. */
    synchronized long nanos() {
        return size == 0 ? -1 : sorted[(size - 1) / 2];
    }
}
