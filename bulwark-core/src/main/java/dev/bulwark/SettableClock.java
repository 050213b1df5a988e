package dev.bulwark;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A clock that moves only when told to, for deterministic tests of scheduling. Thread-safe. */
public final class SettableClock implements BulwarkClock {
    private volatile Instant now;
    private volatile long nanos;
    private final List<Runnable> jumpCallbacks = new CopyOnWriteArrayList<>();

    public SettableClock(Instant start) {
        this.now = start;
    }

    public SettableClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Override
    public Instant now() {
        return now;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    /** Moves both clocks forward and wakes every waiter. */
    public synchronized void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("a clock only moves forward, but was asked to move " + by);
        }
        now = now.plus(by);
        nanos += by.toNanos();
        jumpCallbacks.forEach(Runnable::run);
    }

    /**
     * Moves only the wall clock, forward or back, as an operator or NTP stepping the system clock
     * does; the monotonic clock stays where it is. Wakes every waiter.
     */
    public synchronized void jumpWall(Duration by) {
        now = now.plus(by);
        jumpCallbacks.forEach(Runnable::run);
    }

    @Override
    public void onJump(Runnable callback) {
        jumpCallbacks.add(callback);
    }
}
