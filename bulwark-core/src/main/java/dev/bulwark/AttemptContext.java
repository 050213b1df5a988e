package dev.bulwark;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Everything a handler knows about the attempt it runs, and the way the engine asks it to stop.
 *
 * <p>The engine may call {@link #stop(StopReason)} from another thread (timeout, pause, cancel,
 * halt); callbacks registered with {@link #onStop(Runnable)} then run once, on that thread. A
 * handler that runs something external (a process, a request) registers a callback that stops it.
 * Thread-safe.
 */
public final class AttemptContext {
    private final Item item;
    private final int attempt;
    private final int slot;
    private final Duration timeout;
    private final Instant startedAt;
    private final Path logFile;
    private final String worker;
    private final List<Runnable> stopCallbacks = new ArrayList<>();
    private StopReason stopReason;

    public AttemptContext(Item item, int attempt, int slot, Duration timeout, Instant startedAt, Path logFile, String worker) {
        this.item = item;
        this.attempt = attempt;
        this.slot = slot;
        this.timeout = timeout;
        this.startedAt = startedAt;
        this.logFile = logFile;
        this.worker = worker;
    }

    public Item item() {
        return item;
    }

    public UUID jobId() {
        return item.jobId();
    }

    /** The item's key: a path, a token, an id. */
    public String key() {
        return item.key();
    }

    /** 1-based position of the item in its job. */
    public long seq() {
        return item.seq();
    }

    /** 1-based number of this attempt of the item. */
    public int attempt() {
        return attempt;
    }

    /** 1-based concurrency slot this attempt runs in (GNU parallel's {@code {%}}). */
    public int slot() {
        return slot;
    }

    /** The attempt's time limit, or null for none. The engine stops the attempt when it passes. */
    public Duration timeout() {
        return timeout;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** The item's log file, or null when the run keeps no logs. */
    public Path logFile() {
        return logFile;
    }

    public String worker() {
        return worker;
    }

    /** Stable across attempts and restarts: {@code JOB_ID:SEQ}. */
    public String idempotencyKey() {
        return item.idempotencyKey();
    }

    /** Registers a callback run when the engine stops this attempt; runs at once if already stopped. */
    public void onStop(Runnable callback) {
        boolean runNow;
        synchronized (this) {
            runNow = stopReason != null;
            if (!runNow) {
                stopCallbacks.add(callback);
            }
        }
        if (runNow) {
            callback.run();
        }
    }

    /** Asks the attempt to stop; only the first reason counts. Returns whether this call stopped it. */
    public boolean stop(StopReason reason) {
        List<Runnable> callbacks;
        synchronized (this) {
            if (stopReason != null) {
                return false;
            }
            stopReason = reason;
            callbacks = List.copyOf(stopCallbacks);
            stopCallbacks.clear();
        }
        callbacks.forEach(Runnable::run);
        return true;
    }

    /** Why the attempt was stopped, or null while it may run on. */
    public synchronized StopReason stopReason() {
        return stopReason;
    }

    public boolean isStopped() {
        return stopReason() != null;
    }
}
