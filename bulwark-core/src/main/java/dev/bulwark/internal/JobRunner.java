package dev.bulwark.internal;

import dev.bulwark.engine.OutcomePolicy;
import dev.bulwark.engine.OutcomeEvents;
import dev.bulwark.engine.Rollback;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.IoFaultException;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.JobListener;
import dev.bulwark.JobResult;
import dev.bulwark.Progress;
import dev.bulwark.StopReason;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.engine.DispatchPlug;
import dev.bulwark.engine.Dispatcher;
import dev.bulwark.ledger.Rejection;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.Ledger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job until every item has a final outcome, or until it is paused, cancelled or
 * halted: the {@link DispatchPlug} of the one {@link Dispatcher} for a job run in this process.
 * It claims the job's due items from the ledger, admits them through the job's breakers, writes
 * outcomes through the ledger's group commit, and decides what they mean for the job (halt,
 * failure budget, stop on first failure); everything it reports (counts, events, progress) moves
 * only once the ledger has committed it. Retries are RETRY_WAIT items with a due time in the
 * ledger, picked up when due; no thread sleeps through a backoff. Its parts: {@link JobStart},
 * {@link RunBreakers}, {@link JobHalts} (budgets and halts), {@link JobReport}, {@link JobEnd}.
 */
public final class JobRunner implements DispatchPlug<LocalClaim> {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    private static final int MAX_CLAIM = 512;
    private static final long TICK_NANOS = Dispatcher.TICK_NANOS;
    /** Longest a free slot waits for others to free, so they are claimed together; only while claims are frequent. */
    private static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Ledger ledger;
    private final BulwarkClock clock;
    private final String worker;
    private final ItemHandler handler;
    private final ItemHandler compensator;
    private final Function<Item, Path> logFiles;
    private final ScheduledExecutorService timers;
    private final Job job;
    private final JobConfig config;
    private final Dispatcher<LocalClaim> dispatcher;
    /**
     * Whether the latest claim found nothing while nothing was in flight: for a job ordered by
     * scope, only then is nothing left to claim. Read for such a job alone, whose claims stay on
     * the dispatcher's thread ({@link #claimsInBackground}); volatile since other jobs' claims may
     * run on a claim-ahead thread.
     */
    private volatile boolean lastClaimConclusive;

    private final JobReport report;
    private final CountsTracker counts;
    private volatile StopRequest stop;
    /** The first fault of Bulwark's own I/O in this run ({@link #ioFault}), or null. */
    private volatile String ioFault;
    /** The job's breakers, or null when it has none. */
    private final RunBreakers breakers;
    /** The job's time budget, failure threshold and stop on first failure. */
    private final JobHalts halts;
    private boolean started;

    /**
     * Why the runner is stopping, and what the job becomes.
     *
     * @param drain    running attempts finish (halt soon) rather than being stopped
     * @param critical stopped by a critical error (the rollback runs, if the job has one)
     */
    public record StopRequest(StopReason reason, String message, boolean drain, boolean critical) {
    }

    public JobRunner(Ledger ledger, BulwarkClock clock, RandomGenerator random, String worker,
                     List<JobListener> listeners, ItemHandler handler, Function<Item, Path> logFiles,
                     ScheduledExecutorService timers, Job job) {
        this(ledger, clock, random, worker, listeners, handler, null, logFiles, timers, job);
    }

    /** @param compensator undoes a succeeded item in a rollback, or null (then the job's compensation command, if any) */
    public JobRunner(Ledger ledger, BulwarkClock clock, RandomGenerator random, String worker,
                     List<JobListener> listeners, ItemHandler handler, ItemHandler compensator,
                     Function<Item, Path> logFiles, ScheduledExecutorService timers, Job job) {
        this.ledger = ledger;
        this.clock = clock;
        this.worker = worker;
        this.handler = handler;
        this.compensator = compensator != null ? compensator
                : job.config().compensate() != null ? new dev.bulwark.exec.ExecHandler(job.config().compensate()) : null;
        this.logFiles = logFiles;
        this.timers = timers;
        this.job = job;
        this.config = job.config();
        int claimBatch = config.ordered() || config.concurrency() < 16 ? 1 : config.concurrency() / 4;
        this.dispatcher = new Dispatcher<>(this, clock, random, timers, config.concurrency(), claimBatch, COALESCE_NANOS,
                job.id().toString().substring(0, 8));
        this.report = new JobReport(job, ledger, clock, listeners, this::openBreakers);
        this.counts = report.counts();
        this.halts = new JobHalts(job, clock, this::requestStop);
        this.breakers = config.breaker() == null ? null
                : new RunBreakers(this, ledger, clock, job, report, halts, dispatcher::signal);
        clock.onJump(dispatcher::signal);
    }

    public Job job() {
        return job;
    }

    /**
     * Asks the run to stop: PAUSE leaves the job resumable, CANCEL and HALT skip what is left.
     * Running attempts are stopped at once. A later CANCEL or HALT overrides a PAUSE.
     */
    public void requestStop(StopReason reason, String message) {
        requestStop(new StopRequest(reason, message, false, false));
    }

    /**
     * Asks the run to stop. A PAUSE gives way to a later CANCEL or HALT, and a draining halt to a
     * later one that stops attempts at once (a critical error during a halt soon).
     */
    public void requestStop(StopRequest request) {
        synchronized (this) {
            StopRequest current = stop;
            if (current != null) {
                boolean overridesPause = current.reason() == StopReason.PAUSE && request.reason() != StopReason.PAUSE;
                boolean escalates = current.drain() && !request.drain() && request.reason() != StopReason.PAUSE;
                if (!overridesPause && !escalates) {
                    return;
                }
            }
            stop = request;
        }
        if (!request.drain()) {
            dispatcher.stopRunning(request.reason());
        }
        dispatcher.signal();
    }

    /** Runs the job (which must be RUNNING in the ledger) to its end; returns the final record. */
    public JobResult run() {
        try {
            start();
            dispatcher.run();
            dispatcher.awaitInFlight();
            ledger.flush();
            JobResult result = new JobEnd(ledger, job, clock, report, this::rollback).finish(stop);
            if (ioFault != null && result.job().status() == JobStatus.PAUSED) {
                throw new IoFaultException(job.id(), ioFault + "; job " + job.id() + " is paused and nothing recorded is lost:"
                        + " fix the cause (free some space), then resume it (bulwark resume " + job.id() + ")");
            }
            return result;
        } finally {
            dispatcher.close();
        }
    }

    private void start() {
        if (started) {
            return;
        }
        started = true;
        new JobStart(ledger, job, clock, worker, report, breakers, halts).start();
    }

    /**
     * Runs the job's due work once (see {@link Dispatcher#runDueOnce()}) and returns how many
     * attempts ran; the job stays RUNNING. For tests driven by a settable clock: set the clock,
     * run due work, assert; {@link #run()} then takes the job to its end.
     */
    public int runDue() {
        start();
        return dispatcher.runDueOnce();
    }

    // ------------------------------------------------------------------ the dispatch plug

    @Override
    public boolean stopping() {
        return stop != null || halts.jobTimedOut();
    }

    @Override
    public int claimable(int freeSlots, int inFlight) {
        return config.ordered() ? (inFlight == 0 ? 1 : 0) : freeSlots;
    }

    @Override
    public int claimLimit() {
        return MAX_CLAIM;
    }

    /**
     * Claims up to {@code max} items: with breakers, those of scopes whose breaker is closed, then
     * the trial calls of half-open scopes ({@link RunBreakers}).
     */
    @Override
    public List<LocalClaim> claim(int max) {
        boolean nothingInFlight = dispatcher.inFlight() == 0;
        Instant now = clock.now();
        List<Item> claimed;
        if (breakers == null) {
            claimed = ledger.claim(job.id(), now, max, config.ordered());
        } else {
            claimed = breakers.claim(max, now);
        }
        lastClaimConclusive = nothingInFlight && claimed.isEmpty();
        List<LocalClaim> claims = new ArrayList<>(claimed.size());
        for (Item item : claimed) {
            claims.add(new LocalClaim(item, config, handler));
        }
        return claims;
    }

    /** Claims ahead of the free slots, except for an ordered job (one item at a time, each after the one before). */
    @Override
    public boolean claimsAhead() {
        return !config.ordered();
    }

    /**
     * In the background when the claim is the ledger's alone (thread-safe): not with breakers,
     * whose claims read and change the run's breaker state, nor for a job ordered by scope, whose
     * idle check relies on the claim made last.
     */
    @Override
    public boolean claimsInBackground() {
        return breakers == null && claimsAhead() && config.orderedBy() == null;
    }

    @Override
    public void giveBack(LocalClaim claim) {
        giveBack(claim.item(), "claimed ahead and not started: the run stopped");
    }

    /** Admits a claimed item; false when the job is halting or its breaker rejected it (then it is given back or failed). */
    @Override
    public boolean admit(LocalClaim claim) {
        Item item = claim.item();
        StopRequest halting = stop;
        if (halting != null && halting.drain()) {
            giveBack(item, "the job is halting");
            return false;
        }
        if (breakers != null && !breakers.admit(claim)) {
            return false;
        }
        counts.claimed(item.seq());
        return true;
    }

    @Override
    public AttemptContext context(LocalClaim claim, int slot) {
        Item item = claim.item();
        Path logFile = logFiles == null ? null : logFiles.apply(item);
        return new AttemptContext(item, item.lastAttempt(), slot, config.attemptTimeout(), clock.now(), logFile, worker);
    }

    @Override
    public StopReason stopNow() {
        StopRequest current = stop;
        return current == null || current.drain() ? null : current.reason();
    }

    @Override
    public Instant endOf(LocalClaim claim, AttemptContext ctx, long nanos) {
        return clock.now();
    }

    /**
     * Breakers and stop decisions are settled here, before the slot frees, so no further item
     * starts after a critical error, the failure that reaches a threshold, or the failure that
     * opens a breaker.
     */
    @Override
    public void decided(LocalClaim claim, OutcomePolicy.Decision d, Attempt a) {
        Item item = claim.item();
        AttemptResult r = d.result();
        if (breakers != null) {
            breakers.decided(claim, d, a);
        }
        if (d.critical()) {
            halts.halt("critical error on item " + item.seq() + " (" + item.key() + "): "
                    + r.category() + (r.message() == null ? "" : " " + r.message()), true);
        } else if (d.next() == ItemStatus.FAILED) {
            halts.itemFailed(item, r.category());
        }
    }

    @Override
    public CompletableFuture<?> write(LocalClaim claim, Completion completion) {
        return ledger.complete(completion);
    }

    @Override
    public boolean holdsSlotUntilRecorded(LocalClaim claim) {
        return config.ordered();
    }

    @Override
    public void settled(LocalClaim claim, OutcomePolicy.Decision d, Attempt a, Throwable error) {
        committed(claim.item(), claim.context(), d, a, error);
    }

    @Override
    public Idle idle(int claimable, int inFlight) {
        if (claimable <= 0) {
            // Nothing was claimed because no slot was free: that says nothing about what is
            // left. Every slot may have freed since (the job is not done then), so wait for a
            // slot and claim again rather than conclude anything from inFlight.
            return Idle.waitFor(halts.deadline(), inFlight > 0 ? TICK_NANOS : 0);
        }
        if (inFlight == 0 && config.orderedBy() != null && !lastClaimConclusive) {
            // Ordered by scope, an item holds up the next of its scope until its outcome is
            // settled: a claim made while something was in flight, or one that took items (which
            // may have ended since), says nothing of what is left. Claim again, now with nothing
            // in flight, before concluding anything.
            return Idle.waitFor(null, 0);
        }
        if (inFlight == 0) {
            Optional<Instant> due = ledger.nextDueAt(job.id());
            if (due.isEmpty() && dispatcher.inFlight() == 0) {
                if (breakers == null || !breakers.anyTroubled() || counts.snapshot().remaining() == 0) {
                    return Idle.done();
                }
                // What is left waits for a breaker: until its trial may go, or a reset.
                return Idle.waitFor(earliest(breakers.nextTrialAt().orElse(null), halts.deadline()), TICK_NANOS);
            }
            return Idle.waitFor(wakeAt(due.orElse(null)), TICK_NANOS);
        }
        return Idle.waitFor(wakeAt(config.ordered() ? null : ledger.nextDueAt(job.id()).orElse(null)), TICK_NANOS);
    }

    @Override
    public void tick() {
        report.tick(TICK_NANOS);
    }

    @Override
    public void interrupted() {
        requestStop(StopReason.PAUSE, "interrupted");
    }

    /**
     * When to look again for due items: at {@code due}, unless a due item was not claimed (its
     * scope's breaker is open: then when the first breaker lets a trial through), and never after
     * the job's deadline.
     */
    private Instant wakeAt(Instant due) {
        if (breakers != null && breakers.anyTroubled() && due != null && !due.isAfter(clock.now())) {
            due = breakers.nextTrialAt().orElse(null);
        }
        return earliest(due, halts.deadline());
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }

    /** Puts a claimed item back, unattempted. */
    void giveBack(Item item, String why) {
        try {
            ledger.reject(new Rejection(job.id(), item.seq(), item.fence(), ItemStatus.PENDING, null, why, clock.now()));
        } catch (RuntimeException e) {
            ledgerFailed(item, e);
        }
    }

    void ledgerFailed(Item item, Throwable error) {
        LOG.debug("the ledger could not record item {}", item.seq(), error);
        ioFault("the ledger could not record item " + item.seq() + ": " + rootMessage(error));
    }

    /**
     * A file of Bulwark's own (the ledger, an item log, the event log) could not be written: the
     * job pauses, so that the fault fails no item, and the run ends with an {@link IoFaultException}
     * naming the first such fault (the user reads it once, as one line).
     */
    public void ioFault(String why) {
        synchronized (this) {
            if (ioFault == null) {
                ioFault = why;
            }
        }
        LOG.debug("{}; pausing the job so nothing is lost", why);
        requestStop(StopReason.PAUSE, why);
    }

    @Override
    public void ownIoFault(LocalClaim claim, String why) {
        ioFault(why);
    }

    private void committed(Item item, AttemptContext ctx, OutcomePolicy.Decision d, Attempt a, Throwable error) {
        if (error != null) {
            ledgerFailed(item, error);
            return;
        }
        int attemptsAfter = item.attempts() + (d.outcome() == AttemptOutcome.INTERRUPTED ? 0 : 1);
        counts.completed(item.seq(), d.outcome(), attemptsAfter, d.next());
        if (d.outcome() == AttemptOutcome.SUCCEEDED && !report.hasListeners()) {
            return; // the ledger does not keep success events, and nobody listens: nothing to emit
        }
        report.emit(OutcomeEvents.of(item, d, a, clock.now(), null));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }


    /** Undoes every succeeded item (see {@link Rollback}); returns what it did, for the job's reason. */
    private String rollback() {
        if (compensator == null) {
            LOG.error("job {}: rollback asked for, but there is no compensation command or compensator", job.id());
            return "no rollback: the job has no compensation command";
        }
        return new Rollback(ledger, clock, timers, logFiles, worker, report::emit).run(job, compensator);
    }

    /** Closes a scope's breaker by hand; false when it was not open. */
    public boolean resetBreaker(String scope) {
        return breakers != null && breakers.reset(scope);
    }

    /** The breakers of this job that are not closed. */
    public List<BreakerStatus> openBreakers() {
        return breakers == null ? List.of() : breakers.open();
    }

    /** Current progress from committed outcomes. */
    public Progress progress() {
        return report.progress();
    }
}
