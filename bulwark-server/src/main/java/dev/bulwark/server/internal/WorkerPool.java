package dev.bulwark.server.internal;

import dev.bulwark.BulwarkClock;
import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import dev.bulwark.exec.ExecHandler;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs queued jobs on at most {@code workers} threads, in {@link JobQueue} order, with at most a
 * tier's {@code max-running-jobs} per tenant. Thread-safe (one monitor).
 *
 * <p>Shutdown drains: no new job starts, no new attempt starts its command, running attempts may
 * finish within the grace period, then every running job is paused with {@link #SHUTDOWN_REASON}
 * and is queued again by the next start.
 */
public final class WorkerPool {
    /** The reason recorded on jobs paused by a shutdown; such jobs continue by themselves after a restart. */
    public static final String SHUTDOWN_REASON = "paused by server shutdown";
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
    private static final long POLL_MS = 10;

    private final Engine engine;
    private final BulwarkClock clock;
    private final int workers;
    private final JobQueue queue;
    private final Map<UUID, String> running = new HashMap<>();
    private final Map<UUID, Thread> threads = new HashMap<>();
    private final Map<String, Integer> tenantLimits;
    private boolean accepting = true;
    private boolean draining;
    private int attemptsInFlight;

    /**
     * @param tenantLimits the most running jobs per tenant, by tenant (others get {@code defaultLimit})
     */
    public WorkerPool(Engine engine, BulwarkClock clock, int workers, Duration ageing, Map<String, Integer> tenantLimits) {
        this.engine = engine;
        this.clock = clock;
        this.workers = workers;
        this.queue = new JobQueue(ageing);
        this.tenantLimits = Map.copyOf(tenantLimits);
    }

    /** Queues a job; it starts as soon as a worker is free and its turn comes. */
    public synchronized void enqueue(Job job, JobQueue.Action action) {
        queue.add(new JobQueue.Entry(job.id(), job.tenant(), job.priority(), clock.now(), action));
        dispatch();
    }

    /** Whether the job waits for a worker. */
    public synchronized boolean isWaiting(UUID jobId) {
        return queue.contains(jobId);
    }

    /** Removes a waiting job from the queue; false when it was not waiting. */
    public synchronized boolean dequeue(UUID jobId) {
        return queue.remove(jobId);
    }

    /** Jobs waiting, jobs running. */
    public synchronized int[] depth() {
        return new int[] {queue.size(), running.size()};
    }

    /**
     * Applies {@code stop} (pause, cancel) to a job that a worker runs, retrying while the engine is
     * still starting it. False when no worker runs the job.
     */
    public synchronized boolean stopRunning(UUID jobId, Predicate<UUID> stop) {
        while (running.containsKey(jobId)) {
            if (stop.test(jobId)) {
                return true;
            }
            waitQuietly(POLL_MS);
        }
        return false;
    }

    /** Whether a shutdown has begun: no job or attempt starts any more. */
    public synchronized boolean draining() {
        return draining;
    }

    /** Whether a worker runs the job. */
    public synchronized boolean isRunning(UUID jobId) {
        return running.containsKey(jobId);
    }

    private void dispatch() {
        while (accepting && running.size() < workers) {
            var next = queue.poll(clock.now(), this::startable);
            if (next.isEmpty()) {
                return;
            }
            JobQueue.Entry e = next.get();
            running.put(e.jobId(), e.tenant());
            Thread t = new Thread(() -> work(e), "bulwark-job-" + e.jobId());
            threads.put(e.jobId(), t);
            t.start();
        }
    }

    private boolean startable(JobQueue.Entry e) {
        if (running.containsKey(e.jobId())) {
            return false; // still ending its previous run (a resume right after a pause): starts when that ends
        }
        long mine = running.values().stream().filter(e.tenant()::equals).count();
        return mine < tenantLimits.getOrDefault(e.tenant(), Integer.MAX_VALUE);
    }

    private void work(JobQueue.Entry e) {
        try {
            Job job = engine.ledger().findJob(e.jobId()).orElseThrow();
            if (job.config().exec() == null) {
                LOG.warn("job {} has no exec command; the service cannot run it", e.jobId());
                return;
            }
            String outputs = job.config().input().get(dev.bulwark.server.TemplateConfig.OUTPUTS_INPUT);
            dev.bulwark.ItemHandler handler = new DrainingHandler(outputs == null ? new ExecHandler(job.config().exec())
                    : new ExecHandler(job.config().exec(), Map.of("BULWARK_OUTPUTS", outputs + "/" + job.id())), this);
            if (outputs != null) {
                handler = new OutputsHandler(handler, new ItemOutputs(java.nio.file.Path.of(outputs), job.id()), engine.ledger(), clock);
            }
            if (e.action() == JobQueue.Action.RETRY_FAILED) {
                engine.retryFailed(e.jobId(), handler);
            } else {
                engine.run(e.jobId(), handler);
            }
        } catch (ValidationException ex) {
            abandon(e.jobId(), ex);
        } catch (dev.bulwark.IoFaultException ex) { // the job is paused; the message names the file and what to do
            LOG.error("{}", ex.getMessage());
        } catch (RuntimeException ex) {
            LOG.error("job {} stopped with an error", e.jobId(), ex);
        } finally {
            synchronized (this) {
                running.remove(e.jobId());
                threads.remove(e.jobId());
                notifyAll();
                dispatch();
            }
        }
    }

    /** A job the engine refuses to run (a submission cut short by a crash) is cancelled with the reason. */
    private void abandon(UUID jobId, ValidationException why) {
        LOG.warn("job {} cannot run: {}", jobId, why.getMessage());
        engine.ledger().findJob(jobId).filter(j -> j.status() == JobStatus.QUEUED)
                .ifPresent(j -> engine.cancel(jobId, "cancelled by the server: " + why.getMessage()));
    }

    /** Called by a job's handler when an attempt starts; false once the pool drains (the attempt must not run). */
    synchronized boolean attemptStarting() {
        if (draining) {
            return false;
        }
        attemptsInFlight++;
        return true;
    }

    synchronized void attemptEnded() {
        attemptsInFlight--;
        notifyAll();
    }

    /**
     * Stops taking work, lets running attempts finish within {@code grace}, then pauses every
     * running job and waits for the workers to end (attempts still running are stopped by the
     * pause: their process trees get TERM, then KILL after the template's kill grace).
     */
    public void shutdown(Duration grace) {
        List<Thread> workersLeft;
        synchronized (this) {
            accepting = false;
            draining = true;
            long deadline = System.nanoTime() + grace.toNanos();
            while (attemptsInFlight > 0 && System.nanoTime() < deadline) {
                waitQuietly(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            for (UUID id : List.copyOf(running.keySet())) {
                stopRunning(id, jobId -> engine.pause(jobId, SHUTDOWN_REASON));
            }
            workersLeft = List.copyOf(threads.values());
        }
        for (Thread t : workersLeft) {
            try {
                t.join();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void waitQuietly(long millis) {
        try {
            wait(millis);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a job", ex);
        }
    }
}
