package dev.bulwark.exec.internal;

import java.time.Duration;
import java.util.Optional;

/**
 * A command started by a {@link Launcher}: one attempt's process, until it has been waited for.
 *
 * <p>Thread-safe: the attempt's thread waits while a stop callback may signal the tree.
 */
public interface Child {
    /** The process id (and, when {@link #ownGroup()}, its process group id). */
    long pid();

    /** The process, for walking its tree; empty once it has ended and was reaped. */
    Optional<ProcessHandle> handle();

    /** Whether the command leads a process group of its own, so that its whole group can be signalled. */
    boolean ownGroup();

    /**
     * Waits for the process to end and returns its exit code: 0 to 255, or 128 + N after a death by
     * signal N (as shells report it). The process is reaped: no zombie stays behind.
     */
    int waitFor() throws InterruptedException;

    /** As {@link #waitFor()}, for at most {@code max}; -1 when it still runs then. */
    int waitFor(Duration max) throws InterruptedException;

    /** Whether the process has not ended yet. */
    boolean isAlive();
}
