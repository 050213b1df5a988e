package dev.bulwark;

import java.time.Instant;

/**
 * Wall time and monotonic time, injected into everything that schedules, waits or measures, so
 * tests can use a {@link SettableClock}. Implementations are thread-safe.
 */
public interface BulwarkClock {

    /** Wall-clock time: stored in the ledger, used for retry due times. */
    Instant now();

    /** Monotonic nanoseconds: used to measure durations and rates. */
    long nanoTime();

    /**
     * Registers a callback run whenever time jumps (a settable clock was moved), so that waiters
     * re-check their deadlines. The system clock never jumps and ignores it.
     */
    default void onJump(Runnable callback) {
    }

    /** The system clock. */
    static BulwarkClock system() {
        return SystemClock.INSTANCE;
    }

    /** The system clock. */
    enum SystemClock implements BulwarkClock {
        INSTANCE;

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    }
}
