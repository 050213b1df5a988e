package dev.bulwark.jdbc.worker;

import dev.bulwark.BulwarkClock;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.Job;
import dev.bulwark.StopReason;
import dev.bulwark.engine.Dispatcher;
import dev.bulwark.jdbc.WorkQueue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker of the shared PostgreSQL ledger: the one {@link Dispatcher} of Bulwark with a leasing
 * claim source ({@link LeaseClaims}). It claims due items of any job handed to workers
 * ({@link WorkQueue}), runs each on a virtual thread with the job's handler, and records its
 * outcome with the claim's fencing token. Any number of workers on any number of machines may
 * share one ledger.
 *
 * <p>Each claim is a lease on the database clock, renewed by heartbeats every third of the
 * lease ({@link Heartbeat}). A lease found lost at a heartbeat (taken over after this worker
 * stalled, or the job cancelled, paused or halted) stops its attempt, whose completion is then
 * rejected as stale. Heartbeats run on a thread and connections of their own. Every heartbeat period
 * the worker also takes back expired leases of any worker and ends jobs that have nothing left to
 * run. Idle workers wake on {@code NOTIFY}, and poll as a fallback.
 *
 * <p>A worker also fences itself ({@link LeaseFence}, {@link Watchdog}): an attempt whose lease may
 * have expired by the database's clock, measured on the worker's monotonic clock from the last
 * renewal the database confirmed, is stopped before another worker could take its item over, and
 * nothing is recorded for it; so a worker cut off from the database, or paused, never runs an item
 * at the same time as another worker.
 *
 * <p>An outcome that cannot be recorded because the database is away is tried again while the
 * lease lasts: if its commit went through after all, the retry is rejected as stale and nothing is
 * recorded twice; if it never does, the lease expires and the item runs again (at least once).
 *
 * <p>A job with circuit breakers shares them with every worker (see {@link WorkQueue}): each of
 * its outcomes is recorded in a transaction of its own that also counts it in the scope's breaker,
 * and in halt mode the worker whose outcome opened a breaker halts the job ({@link JobOutcomes}).
 *
 * <p>{@link #run()} blocks until {@link #stop()}; the other methods are thread-safe.
 */
public final class Worker {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** How often jobs whose last items this worker recorded are looked at for their end. */
    private static final Duration FINISH_CHECK = Duration.ofMillis(200);
    /** Longest a claim waits for more slots to free, so that they are claimed together. */
    private static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final WorkerContext ctx;
    private final JobOutcomes outcomes;
    private final LeaseClaims claims;
    private final Dispatcher<Leased> dispatcher;
    private final Heartbeat heartbeat;
    private final ScheduledExecutorService beats;
    private final LeaseFence fence;
    private final Watchdog watchdog;
    private final ScheduledExecutorService watch;

    /**
     * @param handlers makes the handler of a job from its record (for the command line: the exec
     *                 handler of the job's configuration); may throw if the job cannot run here,
     *                 and its items then fail permanently
     * @param logFiles where an item's log goes, or null for none
     */
    public Worker(WorkQueue queue, WorkerOptions options, Function<Job, ItemHandler> handlers, Function<Item, Path> logFiles,
                  BulwarkClock clock, RandomGenerator random) {
        this(queue, options, handlers, logFiles, clock, random, System::nanoTime);
    }

    /**
     * @param ticker the monotonic clock leases are measured on for self-fencing ({@link System#nanoTime()})
     */
    public Worker(WorkQueue queue, WorkerOptions options, Function<Job, ItemHandler> handlers, Function<Item, Path> logFiles,
                  BulwarkClock clock, RandomGenerator random, LongSupplier ticker) {
        Objects.requireNonNull(handlers, "handlers");
        Objects.requireNonNull(random, "random");
        this.ctx = new WorkerContext(Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(options, "options"),
                new WorkerStats(), Objects.requireNonNull(clock, "clock"), Objects.requireNonNull(ticker, "ticker"),
                Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bulwark-worker-chores")),
                Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bulwark-worker-timeouts")), logFiles);
        this.beats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bulwark-worker-heartbeat"));
        this.watch = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bulwark-worker-watchdog"));
        this.fence = new LeaseFence(options.lease());
        this.outcomes = new JobOutcomes(ctx, this::workArrived);
        this.claims = new LeaseClaims(ctx, handlers, outcomes, fence);
        int claimBatch = Math.max(1, Math.min(options.claimBatch(), options.concurrency()) / 2);
        this.dispatcher = new Dispatcher<>(claims, clock, random, ctx.timers(), options.concurrency(), claimBatch,
                COALESCE_NANOS, options.name());
        this.heartbeat = new Heartbeat(ctx, queue.onOwnConnections("bulwark-heartbeat", options.heartbeat()), claims);
        this.watchdog = new Watchdog(ctx, fence, claims, () -> heartbeat.renewSoon(beats));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public WorkerOptions options() {
        return ctx.options();
    }

    public WorkerStats stats() {
        return ctx.stats();
    }

    /** Attempts running or waiting for their outcome to be recorded. */
    public int inFlight() {
        return claims.held().size();
    }

    /**
     * Runs until {@link #stop()}: claims and runs items, then lets the running attempts finish
     * (up to the grace period, after which they are interrupted and their items run again
     * elsewhere), waits for their outcomes to be recorded, and returns.
     */
    public WorkerStats run() {
        long period = ctx.options().heartbeat().toMillis();
        beats.scheduleWithFixedDelay(heartbeat, period, period, TimeUnit.MILLISECONDS);
        ctx.chores().scheduleWithFixedDelay(heartbeat::chores, period, period, TimeUnit.MILLISECONDS);
        long tick = fence.tick().toNanos();
        watch.scheduleAtFixedRate(watchdog, tick, tick, TimeUnit.NANOSECONDS);
        ctx.chores().scheduleWithFixedDelay(outcomes::finishTouchedJobs, FINISH_CHECK.toMillis(), FINISH_CHECK.toMillis(),
                TimeUnit.MILLISECONDS);
        // A notification may also be a pause, a cancel or a halt: leases are looked at again at once.
        AutoCloseable notifications = ctx.queue().listen(() -> {
            workArrived();
            if (!claims.held().isEmpty()) {
                heartbeat.renewSoon(beats);
            }
        });
        try {
            dispatcher.run();
            drain();
            outcomes.awaitRollbacks(System.nanoTime() + ctx.options().grace().toNanos());
        } finally {
            closeQuietly(notifications);
            ctx.chores().shutdownNow();
            beats.shutdownNow();
            watch.shutdownNow();
            ctx.timers().shutdownNow();
            awaitQuietly();
            dispatcher.close();
        }
        ctx.queue().ledger().flush();
        outcomes.finishTouchedJobs();
        return ctx.stats();
    }

    /** Work may have arrived: the dispatcher looks for it at once. */
    private void workArrived() {
        claims.announce();
        dispatcher.signal();
    }

    /** Stops claiming; running attempts get the grace period to finish. Returns at once. */
    public void stop() {
        claims.stop();
        dispatcher.signal();
    }

    /** Stops claiming and interrupts running attempts now (their items run again elsewhere). */
    public void stopNow() {
        claims.interruptNow();
        stop();
        dispatcher.stopRunning(StopReason.PAUSE);
    }

    private void drain() {
        if (!claims.interruptingNow()) {
            dispatcher.awaitInFlight(System.nanoTime() + ctx.options().grace().toNanos());
        }
        dispatcher.stopRunning(StopReason.PAUSE);
        // Interrupted attempts end at once; their outcomes are tried while their lease lasts.
        if (!dispatcher.awaitInFlight(System.nanoTime() + ctx.options().lease().toNanos() * 2)) {
            LOG.warn("worker {}: {} outcome(s) could not be recorded; their leases expire and the items run again",
                    ctx.options().name(), claims.held().size());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("cannot close", e);
        }
    }

    private void awaitQuietly() {
        try {
            ctx.chores().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
