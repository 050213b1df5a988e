package dev.bulwark.cli;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Counts terminal signals (SIGINT, SIGTERM, SIGHUP) as presses, so that "press again to exit at
 * once" means a second press and not the echo of the first. {@code timeout} sends its signal to the
 * command and then to the command's whole process group, a service manager signals every process
 * of the service, a closing terminal sends SIGHUP and the shell may add its own: all of that
 * arrives within moments, and counts as one press. A signal counts as a new press only once
 * {@link #SAME_PRESS} has passed since the last press that counted.
 *
 * <p>Thread-safe: the JVM runs each signal's handler on a thread of its own.
 */
final class SignalPresses {
    /** Signals closer together than this are one press. */
    static final Duration SAME_PRESS = Duration.ofMillis(500);

    private final LongSupplier nanoTime;
    private int presses;
    private long lastPress;

    SignalPresses() {
        this(System::nanoTime);
    }

    SignalPresses(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Records a signal; returns which press it is (1, 2, …), or 0 when it belongs to the last press. */
    synchronized int press() {
        long now = nanoTime.getAsLong();
        if (presses > 0 && now - lastPress < SAME_PRESS.toNanos()) {
            return 0;
        }
        lastPress = now;
        return ++presses;
    }
}
