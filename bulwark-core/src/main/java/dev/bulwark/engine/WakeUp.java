package dev.bulwark.engine;

import dev.bulwark.BulwarkClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * The dispatcher's wake-up: {@link #signal()} from any thread, {@link #await} on the dispatcher's.
 * A signal sent while the dispatcher is busy is kept (one flag) and ends its next wait at once.
 */
final class WakeUp {
    private final BulwarkClock clock;
    private volatile boolean signalled;
    private volatile Thread sleeper;

    WakeUp(BulwarkClock clock) {
        this.clock = clock;
    }

    void signal() {
        signalled = true;
        Thread waiting = sleeper;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    /** Forgets a signal sent before now: only what happens from here on wakes the next wait. */
    void clear() {
        signalled = false;
    }

    /**
     * Waits for a signal, at most {@code maxNanos} of real time, and not past {@code due} on the
     * injected clock (null: no due time). Returns whether a signal came; false also when the
     * thread was interrupted (its interrupt flag stays set).
     */
    boolean await(Instant due, long maxNanos) {
        if (!signalled) {
            long waitNanos = maxNanos;
            if (due != null) {
                waitNanos = Math.max(0, Math.min(waitNanos, Duration.between(clock.now(), due).toNanos()));
            }
            if (waitNanos > 0) {
                long deadline = System.nanoTime() + waitNanos;
                // Publish the sleeper before looking at the flag: a signal() that sets the flag
                // after this look finds the sleeper and unparks it (volatile order), so no
                // wake-up is lost.
                sleeper = Thread.currentThread();
                try {
                    long left = waitNanos;
                    while (!signalled && left > 0 && !Thread.currentThread().isInterrupted()) {
                        LockSupport.parkNanos(this, left);
                        left = deadline - System.nanoTime();
                    }
                } finally {
                    sleeper = null;
                }
            }
        }
        boolean woken = signalled;
        signalled = false;
        return woken;
    }
}
