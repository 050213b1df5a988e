package dev.bulwark;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A batch started with {@link BatchBuilder#start()}: its job id, live progress, pause and cancel,
 * and its result once it ends. Thread-safe.
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

    /** Completes with the result when the run ends (or exceptionally when it could not run). */
    public CompletableFuture<BatchResult> result() {
        return result;
    }

    /** Waits for the run to end and returns its result. */
    public BatchResult await() {
        return result.join();
    }
}
