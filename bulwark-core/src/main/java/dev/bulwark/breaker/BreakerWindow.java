package dev.bulwark.breaker;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * The calls and failures of a breaker's time window, as {@link #SLICES} slices of a twentieth of
 * the window each, the current one included: the window reaches back between 19/20 of its length
 * and all of it. A fixed size, whatever the load, so the same value is kept in memory and in a
 * database row, and every breaker counts the same. Slices are numbered from the epoch
 * ({@code epochMillis / width}); {@code firstSlice} is the number of the first element.
 *
 * @param calls    calls per slice (at most {@link #SLICES} elements)
 * @param failures counted failures per slice (as many elements as {@code calls})
 */
public record BreakerWindow(long firstSlice, int[] calls, int[] failures) {
    /** How many slices a window is cut into. */
    public static final int SLICES = 20;
    /** A window without calls. */
    public static final BreakerWindow EMPTY = new BreakerWindow(0, new int[0], new int[0]);

    public BreakerWindow {
        calls = calls.clone();
        failures = failures.clone();
        if (calls.length != failures.length || calls.length > SLICES) {
            throw new IllegalArgumentException("a breaker window has up to " + SLICES + " slices of calls and as many of "
                    + "failures, not " + calls.length + " and " + failures.length);
        }
    }

    /** This window with one more call at {@code now}, slices older than the window dropped. */
    public BreakerWindow record(Instant now, Duration window, boolean failed) {
        BreakerWindow current = at(now, window);
        int[] calls = current.calls.clone();
        int[] failures = current.failures.clone();
        calls[SLICES - 1]++;
        failures[SLICES - 1] += failed ? 1 : 0;
        return new BreakerWindow(current.firstSlice, calls, failures);
    }

    /** The calls within the window as of {@code now}. */
    public int calls(Instant now, Duration window) {
        return Arrays.stream(at(now, window).calls).sum();
    }

    /** The counted failures within the window as of {@code now}. */
    public int failures(Instant now, Duration window) {
        return Arrays.stream(at(now, window).failures).sum();
    }

    /** This window as of {@code now}: {@link #SLICES} slices ending with the current one. */
    private BreakerWindow at(Instant now, Duration window) {
        long width = Math.max(1, window.toMillis() / SLICES);
        long current = Math.floorDiv(now.toEpochMilli(), width);
        long first = current - SLICES + 1;
        int[] calls = new int[SLICES];
        int[] failures = new int[SLICES];
        for (int i = 0; i < this.calls.length; i++) {
            long slice = firstSlice + i;
            if (slice >= first && slice <= current) {
                calls[(int) (slice - first)] += this.calls[i];
                failures[(int) (slice - first)] += this.failures[i];
            }
        }
        return new BreakerWindow(first, calls, failures);
    }

    @Override
    public int[] calls() {
        return calls.clone();
    }

    @Override
    public int[] failures() {
        return failures.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BreakerWindow w && firstSlice == w.firstSlice && Arrays.equals(calls, w.calls)
                && Arrays.equals(failures, w.failures);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(firstSlice) * 31 * 31 + Arrays.hashCode(calls) * 31 + Arrays.hashCode(failures);
    }

    @Override
    public String toString() {
        return "BreakerWindow[firstSlice=" + firstSlice + ", calls=" + Arrays.toString(calls) + ", failures="
                + Arrays.toString(failures) + "]";
    }
}
