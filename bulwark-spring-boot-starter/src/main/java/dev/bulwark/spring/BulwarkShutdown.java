package dev.bulwark.spring;

import dev.bulwark.Engine;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Graceful shutdown with the application: when the context stops, every job this engine runs is
 * paused (nothing new starts; outcomes already made are committed) and the stop waits, up to
 * {@code bulwark.shutdown-timeout}, for the jobs to let go before the engine and ledger close.
 * Runs early in the shutdown (a high phase), while the handlers' own beans still work.
 */
final class BulwarkShutdown implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(BulwarkShutdown.class);
    /** Stopped before the web server's graceful shutdown (phase {@code Integer.MAX_VALUE - 1024}) finishes. */
    static final int PHASE = Integer.MAX_VALUE - 2048;

    private final Engine engine;
    private final Duration timeout;
    private volatile boolean running;

    /** Waits for the jobs up to {@code bulwark.shutdown-timeout} of {@code properties}. */
    BulwarkShutdown(Engine engine, BulwarkProperties properties) {
        this.engine = engine;
        this.timeout = properties.shutdownTimeout();
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        for (UUID job : engine.activeJobs()) {
            engine.pause(job, "application shutting down");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!engine.activeJobs().isEmpty() && System.nanoTime() < deadline) {
            // Polled: the engine offers no per-job completion signal, and jobs let go within one attempt.
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!engine.activeJobs().isEmpty()) {
            LOG.warn("bulwark: {} job(s) still running after bulwark.shutdown-timeout={}; their unfinished items "
                    + "stay in the ledger for resume", engine.activeJobs().size(), timeout);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
