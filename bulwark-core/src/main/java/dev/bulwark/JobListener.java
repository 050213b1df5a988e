package dev.bulwark;

/**
 * Receives engine events and progress. Called from engine threads, possibly concurrently;
 * implementations must be thread-safe and quick (they run on the path of every outcome), and
 * must not throw: an exception is logged and ignored.
 */
public interface JobListener {

    /** An engine event, delivered after it was committed to the ledger when it records an outcome. */
    default void onEvent(EngineEvent event) {
    }

    /** Progress, at most a few times per second and once at the end. */
    default void onProgress(Progress progress) {
    }
}
