package dev.bulwark;

import dev.bulwark.internal.AttemptLog;
import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;

/**
 * What a {@link ContextualHandler} knows about the attempt it runs: the item as the ledger holds
 * it, the attempt number, the idempotency key, whether the engine asks it to stop, and the
 * item's log file. One instance per attempt; thread-safe.
 */
public final class ItemContext {
    private final AttemptContext attempt;
    private final AttemptLog log;

    /** Made by the batch for each attempt; handlers do not create contexts. */
    public ItemContext(AttemptContext attempt, AttemptLog log) {
        this.attempt = Objects.requireNonNull(attempt, "attempt");
        this.log = log;
    }

    /** The engine's view of the attempt (stop callbacks, slot, timeout). */
    public AttemptContext attemptContext() {
        return attempt;
    }

    /** The item as the ledger holds it: key, payload (JSON text), scope, status of its latest attempt. */
    public Item item() {
        return attempt.item();
    }

    public UUID jobId() {
        return attempt.jobId();
    }

    public String key() {
        return attempt.key();
    }

    /** 1-based position of the item in its batch. */
    public long seq() {
        return attempt.seq();
    }

    /** 1-based number of this attempt of the item. */
    public int attempt() {
        return attempt.attempt();
    }

    /** Stable across attempts and restarts ({@code JOB_ID:SEQ}): use it to make effects idempotent. */
    public String idempotencyKey() {
        return attempt.idempotencyKey();
    }

    /**
     * True once the engine asked this attempt to stop (timeout, pause, cancel, halt): give up soon
     * by throwing (an {@link InterruptedException} will do). Returning normally still counts as
     * success: the handler says the work was done.
     */
    public boolean isStopped() {
        return attempt.isStopped();
    }

    /** The item's log file, or null when the batch keeps no logs ({@code .logDirectory(...)} unset). */
    public Path logFile() {
        return attempt.logFile();
    }

    /**
     * Appends a line to the item's log file (after this attempt's header); does nothing when the
     * batch keeps no logs. A log that cannot be written is reported by the attempt's outcome
     * (transient, category {@code log}).
     */
    public void log(String line) {
        if (log != null) {
            log.line(line);
        }
    }
}
