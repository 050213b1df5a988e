package dev.bulwark.server.internal;

import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerJobControl;
import dev.bulwark.jdbc.worker.WorkerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service on a shared PostgreSQL ledger ({@code bulwark serve --store}): submitted jobs go to
 * the ledger's work queue, and an in-process {@link Worker} runs items of any worker job beside
 * the {@code bulwark worker} processes of other machines.
 */
public final class SharedWork {
    private static final Logger LOG = LoggerFactory.getLogger(SharedWork.class);

    private final PostgresLedger ledger;
    private final WorkQueue queue;
    private final Worker worker;
    private Thread thread;
    private AutoCloseable outcomes;

    /**
     * @param logDirectory where the in-process worker writes item logs ({@code DIR/JOB/SEQ.log}),
     *                     or null for none
     */
    public SharedWork(PostgresLedger ledger, WorkerOptions options, Path logDirectory, BulwarkClock clock) {
        this.ledger = ledger;
        this.queue = new WorkQueue(ledger);
        this.worker = new Worker(queue, options, WorkerJobControl::commandHandler,
                logDirectory == null ? null : item -> logDirectory.resolve(item.jobId().toString()).resolve(item.seq() + ".log"),
                clock, RandomGenerator.getDefault());
    }

    /** The shared ledger's work queue, where submitted jobs go. */
    public WorkQueue queue() {
        return queue;
    }

    /** The options of the in-process worker. */
    public WorkerOptions options() {
        return worker.options();
    }

    /**
     * Starts the in-process worker on a thread of its own, and hands {@code onOutcome} the events of
     * the outcomes that any worker records on the ledger from now on (for the event streams).
     */
    public synchronized void start(Consumer<EngineEvent> onOutcome) {
        if (thread == null) {
            outcomes = ledger.onOutcomes(onOutcome);
            thread = Thread.ofPlatform().name("bulwark-serve-worker").start(() -> {
                try {
                    LOG.info("worker {} stopped: {}", worker.options().name(), worker.run());
                } catch (RuntimeException e) {
                    LOG.error("the in-process worker failed; its leases expire and other workers take its items", e);
                }
            });
        }
    }

    /**
     * Stops claiming, lets running attempts finish within {@code grace}, then interrupts the rest
     * (their items run again on another worker, or at the next start) and waits for the worker.
     */
    public synchronized void stop(Duration grace) {
        if (thread == null) {
            return;
        }
        try {
            outcomes.close();
        } catch (Exception e) {
            LOG.debug("stopping the outcome listener: {}", e.getMessage());
        }
        worker.stop();
        try {
            thread.join(grace.plusMillis(1));
            if (thread.isAlive()) {
                worker.stopNow();
                thread.join();
            }
        } catch (InterruptedException e) {
            worker.stopNow();
            Thread.currentThread().interrupt();
        }
    }
}
