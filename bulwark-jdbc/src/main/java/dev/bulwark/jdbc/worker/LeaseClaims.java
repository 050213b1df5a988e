package dev.bulwark.jdbc.worker;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.ErrorClass;
import dev.bulwark.InvalidTransitionException;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.Job;
import dev.bulwark.NotFoundException;
import dev.bulwark.StopReason;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.engine.OutcomePolicy;
import dev.bulwark.engine.DispatchPlug;
import dev.bulwark.util.Durations;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.jdbc.WorkQueue.Lease;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.StaleFenceException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's plug into the one dispatcher: claims are leases across every job handed to the
 * workers ({@link WorkQueue#claim}), outcomes are written with the claim's fencing token
 * (group-committed, or with the shared breaker of the item's scope in one transaction), and an
 * outcome that cannot be written because the database is away is tried again while its lease
 * lasts. What a recorded outcome means for its job is {@link JobOutcomes}'.
 */
final class LeaseClaims implements DispatchPlug<Leased> {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseClaims.class);
    /** Pauses between tries of an outcome the ledger could not record. */
    private static final Duration RECORD_RETRY = Duration.ofMillis(500);

    private final WorkerContext ctx;
    private final PostgresLedger ledger;
    private final Function<Job, ItemHandler> handlers;
    private final JobOutcomes outcomes;
    private final LeaseFence fence;
    private final Map<Long, Leased> held = new ConcurrentHashMap<>();
    private final Map<UUID, Leased.WorkerJob> jobs = new ConcurrentHashMap<>();

    private volatile boolean stopping;
    private volatile boolean interruptNow;
    private volatile boolean workAnnounced = true;
    private boolean lookAgain = true;
    private long lastLookNanos;
    /** A claim came back too late to start its items: no claim before this (ticker), so that items are not stalled in vain. */
    private long claimsPausedUntil;
    private boolean claimsPaused;

    LeaseClaims(WorkerContext ctx, Function<Job, ItemHandler> handlers, JobOutcomes outcomes, LeaseFence fence) {
        this.ctx = ctx;
        this.ledger = ctx.queue().ledger();
        this.handlers = handlers;
        this.outcomes = outcomes;
        this.fence = fence;
    }

    /** Attempts running or waiting for their outcome to be recorded, each holding its lease. */
    Collection<Leased> held() {
        return held.values();
    }

    boolean holds(Leased r) {
        return held.containsKey(r.lease.fence());
    }

    /** Work may have arrived (a notification): look for it even before the poll. */
    void announce() {
        workAnnounced = true;
    }

    void stop() {
        stopping = true;
    }

    void interruptNow() {
        interruptNow = true;
    }

    boolean interruptingNow() {
        return interruptNow;
    }

    @Override
    public boolean stopping() {
        return stopping;
    }

    /**
     * Free slots, but never more held items (running, or waiting for their outcome to commit)
     * than twice the concurrency, so that claims wait for the ledger to record outcomes rather
     * than pile up leases it cannot record in time.
     */
    @Override
    public int claimable(int freeSlots, int inFlight) {
        return Math.min(freeSlots, 2 * ctx.options().concurrency() - held.size());
    }

    @Override
    public int claimLimit() {
        return ctx.options().claimBatch();
    }

    /**
     * Claims when the last claim found something, work was announced, or the poll is due;
     * otherwise (a slot freed, but the last look found nothing) returns nothing without asking.
     */
    @Override
    public List<Leased> claim(int max) {
        boolean announced = workAnnounced;
        if (!lookAgain && !announced && System.nanoTime() - lastLookNanos < ctx.options().poll().toNanos()) {
            return List.of();
        }
        long sent = ctx.ticker().getAsLong();
        if (claimsPaused && sent - claimsPausedUntil < 0) {
            return List.of();
        }
        claimsPaused = false;
        workAnnounced = false;
        lastLookNanos = System.nanoTime();
        List<Lease> got = claimLeases(max);
        long answered = ctx.ticker().getAsLong();
        if (!got.isEmpty() && fence.passed(sent, Duration.ZERO, answered)) {
            // Its items are not started (admit): their leases expire and others take them. Claiming again at once
            // over a link this slow would only make the same happen to other items.
            claimsPaused = true;
            claimsPausedUntil = answered + ctx.options().lease().toNanos();
            LOG.warn("worker {}: the database answered a claim after {} ms, too late to run its {} item(s) within the lease; "
                    + "not claiming for {}", ctx.options().name(), Duration.ofNanos(answered - sent).toMillis(), got.size(),
                    Durations.format(ctx.options().lease()));
        }
        lookAgain = !got.isEmpty();
        List<Leased> claims = new ArrayList<>(got.size());
        for (Lease lease : got) {
            try {
                Leased r = new Leased(lease, jobs.computeIfAbsent(lease.jobId(), id -> loadJob(lease)), sent);
                held.put(lease.fence(), r);
                claims.add(r);
            } catch (RuntimeException e) {
                // Not started, not held: its lease expires and the item runs again, here or elsewhere.
                LOG.warn("worker {}: cannot start item {} of job {}: {}", ctx.options().name(), lease.item().seq(),
                        lease.jobId(), e.getMessage());
            }
        }
        return claims;
    }

    private List<Lease> claimLeases(int want) {
        long t0 = System.nanoTime();
        try {
            List<Lease> got = ctx.queue().claim(ctx.options().name(), want, ctx.options().lease());
            ctx.stats().claimTook(System.nanoTime() - t0);
            ctx.stats().claims.incrementAndGet();
            ctx.stats().claimed.addAndGet(got.size());
            return got;
        } catch (RuntimeException e) {
            LOG.warn("worker {}: cannot claim items: {}", ctx.options().name(), e.getMessage());
            return List.of();
        }
    }

    private Leased.WorkerJob loadJob(Lease lease) {
        UUID jobId = lease.jobId();
        Job job = ledger.findJob(jobId).orElseThrow(() -> new NotFoundException("job " + jobId + " not found"));
        ItemHandler handler;
        try {
            handler = handlers.apply(job);
        } catch (RuntimeException e) {
            String why = "this worker cannot run the job: " + e.getMessage();
            handler = ctx -> AttemptResult.failure(ErrorClass.PERMANENT, "handler", why);
        }
        Leased.WorkerJob loaded = new Leased.WorkerJob(lease.jobPk(), job, handler);
        Duration killGrace = job.config().exec() == null ? Duration.ZERO : job.config().exec().killGrace();
        long uncovered = killGrace.toNanos() - fence.stopBudget(killGrace);
        if (uncovered > 0) {
            LOG.warn("worker {}: job {} gives stopped commands {} between TERM and KILL, more than a third of the lease ({}): "
                    + "a fenced command that ignores TERM may go on for up to {} after another worker could take its item; "
                    + "use a longer --lease or a shorter --kill-grace", ctx.options().name(), jobId, Durations.format(killGrace),
                    Durations.format(ctx.options().lease()), Durations.format(Duration.ofNanos(uncovered)));
        }
        outcomes.watch(loaded, () -> jobs.remove(jobId, loaded));
        return loaded;
    }

    /** No: a lease claimed ahead would hold an item that another worker with a free slot could run. */
    @Override
    public boolean claimsAhead() {
        return false;
    }

    @Override
    public void giveBack(Leased claim) {
        held.remove(claim.lease.fence()); // never claimed ahead; its lease would expire
    }

    /**
     * Yes, unless its lease may have expired meanwhile (a claim whose answer came late, a pause):
     * then it is not started, and its lease expires (the shared breakers admitted it in the claim already).
     */
    @Override
    public boolean admit(Leased claim) {
        if (fenced(claim, ctx.ticker().getAsLong())) {
            held.remove(claim.lease.fence());
            return false;
        }
        return true;
    }

    /**
     * Whether {@code r} is fenced at {@code nowNanos}: it was, or its lease may have expired by now
     * ({@link LeaseFence}). Then nothing will be recorded for it and its lease is no longer renewed;
     * the caller stops it. Counted and logged once.
     */
    boolean fenced(Leased r, long nowNanos) {
        if (!r.fenced && !fence.passed(r.confirmedNanos, r.killGrace(), nowNanos)) {
            return false;
        }
        synchronized (r) {
            if (r.fenced) {
                return true;
            }
            r.fenced = true;
        }
        ctx.stats().fenced.incrementAndGet();
        LOG.warn("worker {}: the lease of item {} of job {} may have expired (last confirmed {} ms ago, lease {}): {}; "
                        + "nothing is recorded for it and the item runs again", ctx.options().name(), r.lease.item().seq(),
                r.lease.jobId(), Duration.ofNanos(nowNanos - r.confirmedNanos).toMillis(), Durations.format(ctx.options().lease()),
                r.context() == null ? "not starting it" : r.ended() ? "its attempt ended too late" : "stopping its attempt");
        return true;
    }

    /** The attempt's times are the database's: the claim's start, plus what this worker measured since. */
    @Override
    public AttemptContext context(Leased claim, int slot) {
        Item item = claim.item();
        Path logFile = ctx.logFiles() == null ? null : ctx.logFiles().apply(item);
        return new AttemptContext(item, item.lastAttempt(), slot, claim.config().attemptTimeout(), item.startedAt(), logFile,
                ctx.options().name());
    }

    @Override
    public StopReason stopNow() {
        return interruptNow ? StopReason.PAUSE : null;
    }

    @Override
    public Instant endOf(Leased claim, AttemptContext ctx, long nanos) {
        return claim.item().startedAt().plusNanos(nanos);
    }

    @Override
    public void ownIoFault(Leased claim, String why) {
        java.util.UUID jobId = claim.item().jobId();
        LOG.error("worker {}: {}; pausing job {} so that the fault fails no item (resume it once fixed)",
                ctx.options().name(), why, jobId);
        ctx.chores().execute(() -> {
            try {
                ctx.queue().pause(jobId, why);
            } catch (RuntimeException e) { // already paused or finished by another worker
                LOG.debug("worker {}: cannot pause job {}: {}", ctx.options().name(), jobId, e.getMessage());
            }
        });
    }

    @Override
    public void decided(Leased claim, OutcomePolicy.Decision decision, Attempt attempt) {
        // What an outcome means for its job is decided once it is recorded, in the ledger (JobOutcomes).
    }

    @Override
    public boolean holdsSlotUntilRecorded(Leased claim) {
        return false; // an ordered job's next item is not claimable while this one is RUNNING in the ledger
    }

    @Override
    public CompletableFuture<?> write(Leased r, Completion completion) {
        if (fenced(r, ctx.ticker().getAsLong())) {
            // It ran to where its lease may have expired: another worker may run it now; record nothing.
            return CompletableFuture.failedFuture(new Fenced());
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        write(r, completion, 1, done);
        return done;
    }

    private void write(Leased r, Completion completion, int tries, CompletableFuture<Void> done) {
        writeOnce(r, completion).whenComplete((transition, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause == null) {
                r.transition = transition.orElse(null);
                done.complete(null);
            } else if (!rejected(cause) && !r.leaseLost && !ctx.chores().isShutdown()
                    && tries * RECORD_RETRY.toMillis() < ctx.options().lease().toMillis() * 2) {
                LOG.warn("worker {}: cannot record item {} of job {} yet ({}); trying again", ctx.options().name(),
                        completion.attempt().seq(), completion.attempt().jobId(), cause.getMessage());
                try {
                    ctx.chores().schedule(() -> write(r, completion, tries + 1, done), RECORD_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    done.completeExceptionally(cause);
                }
            } else {
                done.completeExceptionally(cause);
            }
        });
    }

    /**
     * Records an outcome: group-committed with others, or, for a job with circuit breakers, in a
     * transaction of its own that also counts it in the scope's shared breaker.
     */
    private CompletableFuture<Optional<CircuitBreaker.Transition>> writeOnce(Leased r, Completion completion) {
        BreakerConfig breaker = r.config().breaker();
        if (breaker == null) {
            return ledger.complete(completion).thenApply(ok -> Optional.empty());
        }
        try {
            return CompletableFuture.completedFuture(ctx.queue().complete(r.lease, completion, breaker));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The ledger refused the outcome for good: the claim was taken over, or the job is gone. */
    private static boolean rejected(Throwable cause) {
        return cause instanceof StaleFenceException || cause instanceof InvalidTransitionException
                || cause instanceof NotFoundException;
    }

    @Override
    public void settled(Leased r, OutcomePolicy.Decision d, Attempt attempt, Throwable error) {
        held.remove(r.lease.fence());
        if (error == null) {
            outcomes.recorded(r, d, attempt);
        } else if (error instanceof Fenced) {
            LOG.debug("worker {}: nothing recorded for fenced item {} of job {}", ctx.options().name(), attempt.seq(), attempt.jobId());
        } else if (rejected(error)) {
            ctx.stats().stale.incrementAndGet();
            LOG.info("worker {}: outcome of item {} of job {} rejected: {}", ctx.options().name(), attempt.seq(), attempt.jobId(),
                    error.getMessage());
        } else {
            ctx.stats().unrecorded.incrementAndGet();
            LOG.warn("worker {}: gave up recording item {} of job {} ({}); its lease expires and it runs again",
                    ctx.options().name(), attempt.seq(), attempt.jobId(), error.getMessage());
        }
    }

    /** Why nothing was written for an attempt: the worker fenced it. */
    static final class Fenced extends RuntimeException {
        Fenced() {
            super("fenced: the lease may have expired", null, false, false);
        }
    }

    @Override
    public Idle idle(int claimable, int inFlight) {
        return Idle.waitFor(null, ctx.options().poll().toNanos());
    }

    @Override
    public void interrupted() {
        stop();
    }
}
