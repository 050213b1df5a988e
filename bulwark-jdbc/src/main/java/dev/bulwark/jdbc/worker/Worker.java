package dev.bulwark.jdbc.worker;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.EventLogger;
import dev.bulwark.ErrorClass;
import dev.bulwark.InvalidTransitionException;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.NotFoundException;
import dev.bulwark.StopReason;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.internal.HandlerCall;
import dev.bulwark.internal.OutcomePolicy;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.jdbc.WorkQueue.Lease;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.StaleFenceException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker of the shared PostgreSQL ledger: claims due items of any job handed to workers
 * ({@link WorkQueue}), runs each on a virtual thread with the job's handler, and records its
 * outcome with the claim's fencing token. Any number of workers on any number of machines may
 * share one ledger.
 *
 * <p>Each claim is a lease on the database clock, renewed by heartbeats every third of the
 * lease. A lease found lost at a heartbeat (taken over after this worker stalled, or the job
 * cancelled) stops its attempt, whose completion is then rejected as stale. Every heartbeat also
 * takes back expired leases of any worker and ends jobs that have nothing left to run. Idle
 * workers wake on {@code NOTIFY}, and poll as a fallback.
 *
 * <p>An outcome that cannot be recorded because the database is away is tried again while the
 * lease lasts: if its commit went through after all, the retry is rejected as stale and nothing is
 * recorded twice; if it never does, the lease expires and the item runs again (at least once).
 *
 * <p>A job with circuit breakers shares them with every worker (see {@link WorkQueue}): each of
 * its outcomes is recorded in a transaction of its own that also counts it in the scope's breaker,
 * and in halt mode the worker whose outcome opened a breaker halts the job.
 *
 * <p>{@link #run()} blocks until {@link #stop()}; the other methods are thread-safe.
 */
public final class Worker {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** Expired leases taken back per heartbeat. */
    private static final int RECLAIM_LIMIT = 1_000;
    /** How often jobs whose last items this worker recorded are looked at for their end. */
    private static final Duration FINISH_CHECK = Duration.ofMillis(200);
    /** Pauses between tries of an outcome the ledger could not record. */
    private static final Duration RECORD_RETRY = Duration.ofMillis(500);
    /** Longest a claim waits for more slots to free, so that they are claimed together. */
    private static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final WorkQueue queue;
    private final PostgresLedger ledger;
    private final WorkerOptions options;
    private final Function<Job, ItemHandler> handlers;
    private final Function<Item, Path> logFiles;
    private final BulwarkClock clock;
    private final RandomGenerator random;
    private final WorkerStats stats = new WorkerStats();
    private final Map<Long, Running> held = new ConcurrentHashMap<>();
    private final Map<java.util.UUID, JobRuntime> jobs = new ConcurrentHashMap<>();
    private final Set<Long> touchedJobs = ConcurrentHashMap.newKeySet();
    private final BitSet slots = new BitSet();
    private final ScheduledExecutorService timers;
    private final ScheduledExecutorService chores;

    private volatile boolean stopping;
    private volatile boolean interruptNow;
    private volatile boolean workAnnounced = true;
    /** The dispatcher's wake-up: at most one permit, taken (with any others) when it wakes. */
    private final Semaphore wakeUp = new Semaphore(0);

    /** One attempt this worker runs, held (its lease renewed) until its outcome is settled. */
    private static final class Running {
        final Lease lease;
        final JobRuntime job;
        volatile AttemptContext context;
        volatile Thread thread;
        volatile boolean leaseLost;
        /** The handler returned: what is left is recording the outcome. */
        volatile boolean ended;

        Running(Lease lease, JobRuntime job) {
            this.lease = lease;
            this.job = job;
        }
    }

    /** A job's frozen configuration and handler, loaded on its first claim. */
    private record JobRuntime(Job job, ItemHandler handler, RuntimeException noHandler) {
        JobConfig config() {
            return job.config();
        }
    }

    /**
     * @param handlers makes the handler of a job from its record (for the command line: the exec
     *                 handler of the job's configuration); may throw if the job cannot run here,
     *                 and its items then fail permanently
     * @param logFiles where an item's log goes, or null for none
     */
    public Worker(WorkQueue queue, WorkerOptions options, Function<Job, ItemHandler> handlers, Function<Item, Path> logFiles,
                  BulwarkClock clock, RandomGenerator random) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.ledger = queue.ledger();
        this.options = Objects.requireNonNull(options, "options");
        this.handlers = Objects.requireNonNull(handlers, "handlers");
        this.logFiles = logFiles;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bulwark-worker-timeouts"));
        this.chores = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bulwark-worker-leases"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public WorkerOptions options() {
        return options;
    }

    public WorkerStats stats() {
        return stats;
    }

    /** Attempts running or waiting for their outcome to be recorded. */
    public int inFlight() {
        return held.size();
    }

    /**
     * Runs until {@link #stop()}: claims and runs items, then lets the running attempts finish
     * (up to the grace period, after which they are interrupted and their items run again
     * elsewhere), waits for their outcomes to be recorded, and returns.
     */
    public WorkerStats run() {
        long heartbeat = options.heartbeat().toMillis();
        chores.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        chores.scheduleWithFixedDelay(this::finishTouchedJobs, FINISH_CHECK.toMillis(), FINISH_CHECK.toMillis(),
                TimeUnit.MILLISECONDS);
        AutoCloseable notifications = queue.listen(this::announce);
        try {
            dispatch();
            drain();
        } finally {
            closeQuietly(notifications);
            chores.shutdownNow();
            timers.shutdownNow();
            awaitQuietly();
        }
        ledger.flush();
        finishTouchedJobs();
        return stats;
    }

    /** Stops claiming; running attempts get the grace period to finish. Returns at once. */
    public void stop() {
        stopping = true;
        signal();
    }

    /** Stops claiming and interrupts running attempts now (their items run again elsewhere). */
    public void stopNow() {
        interruptNow = true;
        stop();
        for (Running r : held.values()) {
            stopAttempt(r, StopReason.PAUSE);
        }
    }

    private void announce() {
        workAnnounced = true;
        signal();
    }

    // ------------------------------------------------------------------ claiming

    /**
     * Items this worker may claim now: free slots, but never more held items (running, or waiting
     * for their outcome to commit) than twice its concurrency, so that claims wait for the ledger
     * to record outcomes rather than pile up leases it cannot record in time.
     */
    private int free() {
        return Math.min(options.concurrency() - slotsInUse(), 2 * options.concurrency() - held.size());
    }

    private void dispatch() {
        boolean lookAgain = true;
        while (!stopping) {
            int free = free();
            if (free > 0 && lookAgain && free < Math.min(options.claimBatch(), options.concurrency()) / 2
                    && held.size() > 0) {
                // Slots free one by one as attempts end: wait a moment so that several are claimed at once.
                awaitSignal(COALESCE_NANOS);
                free = free();
            }
            boolean announced = workAnnounced;
            if (free > 0 && (lookAgain || announced)) {
                workAnnounced = false;
                int want = Math.min(free, options.claimBatch());
                List<Lease> got = claim(want);
                for (Lease lease : got) {
                    try {
                        launch(lease);
                    } catch (RuntimeException e) {
                        // Not started, not held: its lease expires and the item runs again, here or elsewhere.
                        LOG.warn("worker {}: cannot start item {} of job {}: {}", options.name(), lease.item().seq(),
                                lease.jobId(), e.getMessage());
                    }
                }
                // Something was there: look again as soon as a slot frees. Nothing: wait for a notification or the poll.
                lookAgain = !got.isEmpty();
                if (got.size() == want) {
                    continue;
                }
            }
            if (!awaitSignal(options.poll().toNanos())) {
                lookAgain = true; // the poll: look even without a notification
            }
        }
    }

    private List<Lease> claim(int want) {
        long t0 = System.nanoTime();
        try {
            List<Lease> got = queue.claim(options.name(), want, options.lease());
            stats.claimTook(System.nanoTime() - t0);
            stats.claims.incrementAndGet();
            stats.claimed.addAndGet(got.size());
            return got;
        } catch (RuntimeException e) {
            LOG.warn("worker {}: cannot claim items: {}", options.name(), e.getMessage());
            return List.of();
        }
    }

    private void launch(Lease lease) {
        JobRuntime job = jobs.computeIfAbsent(lease.jobId(), this::loadJob);
        Running r = new Running(lease, job);
        held.put(lease.fence(), r);
        int slot = takeSlot();
        Item item = lease.item();
        Path logFile = logFiles == null ? null : logFiles.apply(item);
        // The attempt's times are the database's: the claim's start, plus what this worker measured since.
        long startNanos = clock.nanoTime();
        AttemptContext ctx = new AttemptContext(item, item.lastAttempt(), slot, job.config().attemptTimeout(),
                item.startedAt(), logFile, options.name());
        r.context = ctx;
        if (interruptNow) {
            ctx.stop(StopReason.PAUSE);
        }
        r.thread = Thread.ofVirtual().name("bulwark-attempt-" + item.seq()).start(() -> execute(r, startNanos));
    }

    private JobRuntime loadJob(java.util.UUID jobId) {
        Job job = ledger.findJob(jobId).orElseThrow(() -> new NotFoundException("job " + jobId + " not found"));
        try {
            return new JobRuntime(job, handlers.apply(job), null);
        } catch (RuntimeException e) {
            return new JobRuntime(job, null, e);
        }
    }

    // ------------------------------------------------------------------ running

    private void execute(Running r, long startNanos) {
        AttemptContext ctx = r.context;
        Duration timeout = r.job.config().attemptTimeout();
        var timer = timeout == null ? null
                : timers.schedule(() -> stopAttempt(r, StopReason.TIMEOUT), timeout.toNanos(), TimeUnit.NANOSECONDS);
        AttemptResult result = null;
        try {
            result = invoke(r, ctx);
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
            if (result == null) {
                result = AttemptResult.failure(ErrorClass.TRANSIENT, "error", "the handler threw an Error");
            }
            long nanos = clock.nanoTime() - startNanos;
            r.ended = true;
            releaseSlot(ctx.slot());
            record(r, ctx, result, nanos);
        }
    }

    private AttemptResult invoke(Running r, AttemptContext ctx) {
        if (r.job.noHandler() != null) {
            return AttemptResult.failure(ErrorClass.PERMANENT, "handler", "this worker cannot run the job: "
                    + r.job.noHandler().getMessage());
        }
        return HandlerCall.invoke(r.job.handler(), ctx);
    }

    private void stopAttempt(Running r, StopReason reason) {
        AttemptContext ctx = r.context;
        Thread t = r.thread;
        if (ctx != null && ctx.stop(reason) && t != null) {
            t.interrupt();
        }
    }

    private void record(Running r, AttemptContext ctx, AttemptResult result, long nanos) {
        Item item = r.lease.item();
        JobConfig config = r.job.config();
        Instant end = item.startedAt().plusNanos(nanos);
        OutcomePolicy.Decision d = OutcomePolicy.decide(item, result, ctx.stopReason(), config.attemptTimeout(),
                config.retry(), end, random);
        AttemptResult res = d.result();
        Attempt attempt = new Attempt(item.jobId(), item.seq(), ctx.attempt(), item.startedAt(), end, d.outcome(),
                res.errorClass(), res.category(), res.message(), res.exitCode(), TimeUnit.NANOSECONDS.toMillis(nanos),
                options.name(), ctx.logFile() == null ? null : ctx.logFile().toString());
        Completion completion = new Completion(attempt, item.fence(), d.next(), d.nextAttemptAt());
        complete(r, completion, d, 1);
        signal();
    }

    private void complete(Running r, Completion completion, OutcomePolicy.Decision d, int tries) {
        write(r, completion).whenComplete((transition, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause == null) {
                settled(r);
                recorded(r, completion, d);
                transition.ifPresent(t -> breakerChanged(r, t));
            } else if (cause instanceof StaleFenceException || cause instanceof InvalidTransitionException
                    || cause instanceof NotFoundException) {
                settled(r);
                stats.stale.incrementAndGet();
                LOG.info("worker {}: outcome of item {} of job {} rejected: {}", options.name(), completion.attempt().seq(),
                        completion.attempt().jobId(), cause.getMessage());
            } else if (!r.leaseLost && !chores.isShutdown() && tries * RECORD_RETRY.toMillis() < options.lease().toMillis() * 2) {
                LOG.warn("worker {}: cannot record item {} of job {} yet ({}); trying again", options.name(),
                        completion.attempt().seq(), completion.attempt().jobId(), cause.getMessage());
                chores.schedule(() -> complete(r, completion, d, tries + 1), RECORD_RETRY.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                settled(r);
                stats.unrecorded.incrementAndGet();
                LOG.warn("worker {}: gave up recording item {} of job {} ({}); its lease expires and it runs again",
                        options.name(), completion.attempt().seq(), completion.attempt().jobId(), cause.getMessage());
            }
        });
    }

    /**
     * Records an outcome: group-committed with others, or, for a job with circuit breakers, in a
     * transaction of its own that also counts it in the scope's shared breaker.
     */
    private CompletableFuture<Optional<CircuitBreaker.Transition>> write(Running r, Completion completion) {
        BreakerConfig breaker = r.job.config().breaker();
        if (breaker == null) {
            return ledger.complete(completion).thenApply(ok -> Optional.empty());
        }
        try {
            return CompletableFuture.completedFuture(queue.complete(r.lease, completion, breaker));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A shared breaker changed state with an outcome this worker recorded (its event is in the ledger already). */
    private void breakerChanged(Running r, CircuitBreaker.Transition t) {
        if (t.to() != CircuitBreaker.State.OPEN) {
            LOG.info("worker {}: breaker of scope {} in job {} is {}: {}", options.name(), t.scope(), r.lease.jobId(),
                    t.to(), t.reason());
            return;
        }
        LOG.warn("worker {}: breaker of scope {} in job {} opened until {}: {}", options.name(), t.scope(),
                r.lease.jobId(), t.openUntil(), t.reason());
        if (r.job.config().breaker().onOpen() == BreakerConfig.OnOpen.HALT) {
            scheduleChore(() -> halt(r, "breaker-open: the breaker of scope " + t.scope() + " opened (" + t.reason() + ")"), 0);
        } else {
            // Wake the idle workers when the trial is due (they poll too, should this worker be gone by then).
            scheduleChore(this::notifyWorkers, Math.max(0, Duration.between(t.at(), t.openUntil()).toMillis()));
        }
    }

    private void settled(Running r) {
        held.remove(r.lease.fence());
        signal();
    }

    /** After the ledger committed an outcome: count it, keep its event, and act on what it means for the job. */
    private void recorded(Running r, Completion completion, OutcomePolicy.Decision d) {
        AttemptOutcome outcome = completion.attempt().outcome();
        if (outcome != AttemptOutcome.SUCCEEDED) {
            keepEvent(r, completion, d);
        }
        if (outcome == AttemptOutcome.INTERRUPTED) {
            stats.interrupted.incrementAndGet();
        } else if (outcome == AttemptOutcome.SUCCEEDED) {
            stats.succeeded.incrementAndGet();
        } else if (d.next() == ItemStatus.RETRY_WAIT) {
            stats.retried.incrementAndGet();
            // Wake the idle workers when the retry is due (they poll too, should this worker be gone by then).
            long delay = Math.max(0, Duration.between(completion.attempt().finishedAt(), d.nextAttemptAt()).toMillis());
            scheduleChore(this::notifyWorkers, delay);
        } else {
            stats.failed.incrementAndGet();
        }
        if (d.next().isFinal()) {
            touchedJobs.add(r.lease.jobPk());
        }
        if (d.critical()) {
            scheduleChore(() -> halt(r, "critical error on item " + completion.attempt().seq() + " (" + r.lease.item().key()
                    + "): " + completion.attempt().category()
                    + (completion.attempt().message() == null ? "" : " " + completion.attempt().message())), 0);
        } else if (d.next() == ItemStatus.FAILED && r.job.config().failureThreshold() != null) {
            scheduleChore(() -> checkThreshold(r), 0);
        }
    }

    /** The event the engine keeps for an attempt that did not succeed (successes live in the attempts table). */
    private void keepEvent(Running r, Completion completion, OutcomePolicy.Decision d) {
        Attempt a = completion.attempt();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("key", r.lease.item().key());
        data.put("attempt", a.number());
        data.put("duration_ms", a.durationMs());
        data.put("worker", options.name());
        if (a.exitCode() != null) {
            data.put("exit_code", a.exitCode());
        }
        data.put("category", a.category());
        if (a.message() != null) {
            data.put("message", a.message());
        }
        String type;
        if (a.outcome() == AttemptOutcome.INTERRUPTED) {
            type = EngineEvent.ITEM_INTERRUPTED;
        } else {
            data.put("error_class", a.errorClass().name().toLowerCase(java.util.Locale.ROOT));
            if (d.next() == ItemStatus.RETRY_WAIT) {
                type = EngineEvent.ITEM_RETRY_SCHEDULED;
                data.put("retry_at", d.nextAttemptAt().toString());
            } else {
                type = EngineEvent.ITEM_FAILED;
            }
        }
        EngineEvent event = new EngineEvent(type, a.jobId(), a.finishedAt(), a.seq(), data);
        EventLogger.log(event);
        ledger.appendEvent(event).exceptionally(e -> {
            LOG.warn("worker {}: cannot keep the event of item {}: {}", options.name(), a.seq(), e.getMessage());
            return null;
        });
    }

    private void checkThreshold(Running r) {
        long limit = r.job.config().failureThreshold().limitFor(r.job.job().total());
        long failed = queue.failedCount(r.lease.jobPk());
        if (failed >= limit) {
            halt(r, "max-failures: " + failed + " item(s) failed, the limit is " + r.job.config().failureThreshold()
                    + " (" + limit + " item(s))");
        }
    }

    private void halt(Running r, String reason) {
        if (queue.halt(r.lease.jobId(), reason)) {
            LOG.warn("worker {}: halted job {}: {}", options.name(), r.lease.jobId(), reason);
        }
    }

    private void scheduleChore(Runnable chore, long delayMs) {
        try {
            chores.schedule(() -> {
                try {
                    chore.run();
                } catch (RuntimeException e) {
                    LOG.warn("worker {}: {}", options.name(), e.getMessage());
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("worker stopped: chore dropped", e);
        }
    }

    private void notifyWorkers() {
        queue.notifyWorkers();
    }

    // ------------------------------------------------------------------ leases

    /** Renews this worker's leases, stops attempts whose lease was lost, reclaims expired leases, ends finished jobs. */
    private void heartbeat() {
        try {
            List<Running> running = new ArrayList<>(held.values());
            List<Lease> leases = running.stream().map(r -> r.lease).toList();
            Set<Long> renewed = queue.renew(leases, options.lease());
            for (Running r : running) {
                // An attempt that ended may have had its outcome committed since: not renewed, but not lost.
                if (!renewed.contains(r.lease.fence()) && !r.ended && held.containsKey(r.lease.fence()) && !r.leaseLost) {
                    r.leaseLost = true;
                    stats.leasesLost.incrementAndGet();
                    LOG.warn("worker {}: lost the lease of item {} of job {}: stopping its attempt", options.name(),
                            r.lease.item().seq(), r.lease.jobId());
                    stopAttempt(r, StopReason.PAUSE);
                }
            }
            WorkQueue.Reclaimed reclaimed = queue.reclaim(options.name(), options.maxStalls(), RECLAIM_LIMIT);
            stats.reclaimed.addAndGet(reclaimed.interrupted());
            stats.stalled.addAndGet(reclaimed.stalled());
            if (reclaimed.total() > 0) {
                LOG.info("worker {}: took back {} expired lease(s), {} item(s) failed as stalled", options.name(),
                        reclaimed.total(), reclaimed.stalled());
            }
            stats.jobsFinished.addAndGet(queue.finishAllDone().size());
        } catch (RuntimeException e) {
            LOG.warn("worker {}: heartbeat failed: {}", options.name(), e.getMessage());
        }
    }

    private void finishTouchedJobs() {
        try {
            for (Long pk : List.copyOf(touchedJobs)) {
                touchedJobs.remove(pk);
                if (queue.finishIfDone(pk).isPresent()) {
                    stats.jobsFinished.incrementAndGet();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("worker {}: cannot end finished jobs: {}", options.name(), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ stopping

    private void drain() {
        long deadline = System.nanoTime() + options.grace().toNanos();
        while (!held.isEmpty() && !interruptNow && System.nanoTime() < deadline) {
            awaitSignal(Math.min(TimeUnit.MILLISECONDS.toNanos(100), deadline - System.nanoTime()));
        }
        for (Running r : held.values()) {
            stopAttempt(r, StopReason.PAUSE);
        }
        // Interrupted attempts end at once; their outcomes are tried while their lease lasts.
        long recordDeadline = System.nanoTime() + options.lease().toNanos() * 2;
        while (!held.isEmpty() && System.nanoTime() < recordDeadline) {
            awaitSignal(TimeUnit.MILLISECONDS.toNanos(100));
        }
        if (!held.isEmpty()) {
            LOG.warn("worker {}: {} outcome(s) could not be recorded; their leases expire and the items run again",
                    options.name(), held.size());
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
            chores.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ slots and wake-ups

    private int slotsInUse() {
        synchronized (slots) {
            return slots.cardinality();
        }
    }

    private int takeSlot() {
        synchronized (slots) {
            int slot = slots.nextClearBit(0);
            slots.set(slot);
            return slot + 1;
        }
    }

    private void releaseSlot(int slot) {
        synchronized (slots) {
            slots.clear(slot - 1);
        }
    }

    private void signal() {
        if (wakeUp.availablePermits() == 0) {
            wakeUp.release();
        }
    }

    /** Waits for a signal (one sent since the last wait counts), at most {@code maxNanos}; returns whether one came. */
    private boolean awaitSignal(long maxNanos) {
        try {
            boolean woken = maxNanos > 0 && wakeUp.tryAcquire(maxNanos, TimeUnit.NANOSECONDS);
            wakeUp.drainPermits();
            return woken;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            return false;
        }
    }
}
