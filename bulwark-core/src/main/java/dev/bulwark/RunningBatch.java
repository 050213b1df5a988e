package dev.bulwark;

import dev.bulwark.breaker.BreakerStatus;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A batch started with {@link BatchBuilder#start()}: its job id, live progress, pause, cancel and
 * halt, its circuit breakers, and its result once it ends. Thread-safe.
 */
public final class RunningBatch {
    private final UUID jobId;
    private final Engine engine;
    private final CompletableFuture<BatchResult> result;

    RunningBatch(UUID jobId, Engine engine, CompletableFuture<BatchResult> result) {
        this.jobId = jobId;
        this.engine = engine;
        this.result = result;
    }

    public UUID jobId() {
        return jobId;
    }

    /** Progress from the outcomes committed so far; empty once the run has ended. */
    public Optional<Progress> progress() {
        return engine.progress(jobId);
    }

    /** Pauses the run: running attempts stop and count as interrupted; the job stays resumable. */
    public boolean pause(String reason) {
        return engine.pause(jobId, reason);
    }

    /** Cancels the run: running attempts stop, what is left is SKIPPED and the job ends CANCELLED. */
    public void cancel(String reason) {
        engine.cancel(jobId, reason);
    }

    /**
     * Halts the run: running attempts stop, what is left is SKIPPED and the job ends FAILED with
     * {@code reason}; {@link BatchBuilder#resume} runs the skipped items later. Returns false when
     * the run has already ended.
     */
    public boolean halt(String reason) {
        return engine.halt(jobId, reason);
    }

    /**
     * The batch's circuit breakers that are open or half-open, by scope, with until when and why:
     * live while the batch runs, afterwards as the ledger's breaker events left them (the ledger
     * must still be open). Empty for a batch without {@link BatchBuilder#breaker}.
     */
    public List<BreakerStatus> breakers() {
        return engine.breakers(jobId);
    }

    /**
     * Closes the breaker of {@code scope} by hand (the target is back before its open time has
     * passed): while the batch runs, its items are sent again at once; after it ended (halted by
     * the breaker), the next {@link BatchBuilder#resume} starts with it closed. Returns false when
     * that breaker was not open.
     */
    public boolean resetBreaker(String scope) {
        return engine.resetBreaker(jobId, scope);
    }

    /** Completes with the result when the run ends (or exceptionally when it could not run). */
    public CompletableFuture<BatchResult> result() {
        return result;
    }

    /** Waits for the run to end and returns its result. */
    public BatchResult await() {
        return result.join();
    }
}
