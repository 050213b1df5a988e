package dev.bulwark.internal;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobCounts;
import dev.bulwark.JobListener;
import dev.bulwark.JobResult;
import dev.bulwark.JobStatus;
import dev.bulwark.Progress;
import dev.bulwark.StopReason;
import dev.bulwark.HaltMode;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.ledger.Rejection;
import dev.bulwark.ledger.ScopeFilter;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job until every item has a final outcome, or until it is paused, cancelled or
 * halted. One dispatcher thread claims due items from the ledger and starts one virtual thread
 * per attempt; outcomes are written through the ledger's group commit, and everything the
 * runner reports (counts, events, progress) moves only once the ledger has committed it.
 * Retries are RETRY_WAIT items with a due time in the ledger, picked up when due; no thread
 * sleeps through a backoff.
 */
public final class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    private static final int MAX_CLAIM = 512;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** Longest a free slot waits for others to free, so they are claimed together; only while claims are frequent. */
    private static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Ledger ledger;
    private final BulwarkClock clock;
    private final RandomGenerator random;
    private final String worker;
    private final List<JobListener> listeners;
    private final ItemHandler handler;
    private final ItemHandler compensator;
    private final Function<Item, Path> logFiles;
    private final ScheduledExecutorService timers;
    private final Job job;
    private final JobConfig config;

    // The dispatcher's wake-up: set by signal(), cleared by the dispatcher once it looked again.
    private volatile boolean signalled;
    private volatile Thread sleeper;
    // Claim coalescing: while claims follow each other within COALESCE_NANOS (attempts end as
    // fast as they start), the dispatcher waits until claimBatch slots are free, or at most
    // COALESCE_NANOS, and claims them at once, instead of waking and claiming for every single
    // slot. That saves a wake-up per attempt, and one ledger transaction per claimed item.
    // While it waits so, freed slots wake it only once claimBatch of them are free.
    private final int claimBatch;
    private volatile boolean coalescing;
    private long lastClaimNanos;

    /** Running attempts by slot (index 1..concurrency): a slot holds one attempt at a time. */
    private final AtomicReferenceArray<Running> running;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong decidedFailures = new AtomicLong();
    private final BitSet slots = new BitSet();
    private int slotsInUse; // guarded by slots
    private final CountsTracker counts = new CountsTracker();
    private final RateMeter rate = new RateMeter();
    private final ExecutorService callbacks;
    // Committed outcomes wait here for the callbacks thread, which takes them in batches: one
    // hand-over per batch rather than one task per outcome.
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile StopRequest stop;
    private volatile String ledgerFailure;
    /** The job's breakers, or null when it has none. */
    private final BreakerBoard board;
    /** When the job's time budget runs out, or null for no limit. */
    private Instant deadline;
    private long startNanos;
    private long lastProgressNanos;

    private record Running(AttemptContext context, Thread thread) {
    }

    /** No breaker: every attempt runs under this permit. */
    private static final CircuitBreaker.Permit NO_BREAKER = null;

    /** An attempt whose completion the ledger settled: committed, or failed with {@code error}. */
    private record Outcome(Item item, AttemptContext context, OutcomePolicy.Decision decision, Attempt attempt,
                           Throwable error) {
    }

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
        this.random = random;
        this.worker = worker;
        this.listeners = List.copyOf(listeners);
        this.handler = handler;
        this.compensator = compensator != null ? compensator
                : job.config().compensate() != null ? new dev.bulwark.exec.ExecHandler(job.config().compensate()) : null;
        this.logFiles = logFiles;
        this.timers = timers;
        this.job = job;
        this.config = job.config();
        this.running = new AtomicReferenceArray<>(config.concurrency() + 1);
        this.claimBatch = config.ordered() || config.concurrency() < 16 ? 1 : config.concurrency() / 4;
        this.lastClaimNanos = System.nanoTime() - 2 * COALESCE_NANOS; // "long ago": nanoTime may be negative
        this.callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bulwark-outcomes-" + job.id().toString().substring(0, 8));
            t.setDaemon(true);
            return t;
        });
        this.board = config.breaker() == null ? null : new BreakerBoard(config.breaker(), this::breakerChanged);
        clock.onJump(this::signal);
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
        if (request.drain()) {
            signal();
            return;
        }
        StopReason reason = request.reason();
        for (int slot = 1; slot < running.length(); slot++) {
            Running r = running.get(slot);
            if (r != null) {
                stopAttempt(r, reason);
            }
        }
        signal();
    }

    private static void stopAttempt(Running r, StopReason reason) {
        if (r.context().stop(reason)) {
            r.thread().interrupt();
        }
    }

    /** Runs the job (which must be RUNNING in the ledger) to its end; returns the final record. */
    public JobResult run() {
        startNanos = clock.nanoTime();
        try {
            recoverAndPrime();
            emit(EngineEvent.JOB_STARTED, 0, Map.of("name", job.name(), "total", job.total(),
                    "worker", worker, "config", Json.MAPPER.convertValue(config, Map.class)));
            dispatch();
            awaitInFlight();
            return finish();
        } finally {
            callbacks.shutdown();
        }
    }

    private void recoverAndPrime() {
        int recovered = ledger.recoverInterrupted(job.id(), clock.now(), worker);
        if (recovered > 0) {
            emit(EngineEvent.ITEMS_RECOVERED, 0, Map.of("count", recovered,
                    "message", recovered + " attempt(s) interrupted by a crash were recorded as interrupted"));
        }
        JobCounts start = ledger.counts(job.id());
        Set<Long> waiting = new HashSet<>();
        long after = 0;
        // Paging through the job for RETRY_WAIT items costs a walk over all of it: only when there are some.
        while (start.retryWait() > 0) {
            List<Item> page = ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.RETRY_WAIT), after, 5_000));
            page.forEach(i -> waiting.add(i.seq()));
            if (page.size() < 5_000) {
                break;
            }
            after = page.get(page.size() - 1).seq();
        }
        counts.reset(start, waiting);
        decidedFailures.set(start.failed());
        rate.record(clock.nanoTime(), counts.snapshot().done());
        if (board != null) {
            board.restore(BreakerStatus.latest(ledger.events(job.id(), Integer.MAX_VALUE)));
        }
        Duration budget = config.jobBudget(start.remaining());
        deadline = budget == null ? null : clock.now().plus(budget);
    }

    /** Halts the job when its time budget ran out; true if it did. */
    private boolean jobTimedOut() {
        if (deadline == null || clock.now().isBefore(deadline)) {
            return false;
        }
        String allowance = config.jobTimeoutPerItem() == null ? Durations.format(config.jobTimeout())
                : (config.jobTimeout() == null ? "" : Durations.format(config.jobTimeout()) + " + ")
                + Durations.format(config.jobTimeoutPerItem()) + " per item";
        halt("job-timeout: the job ran out of its time budget (" + allowance + ")", false);
        return true;
    }

    private void halt(String reason, boolean critical) {
        requestStop(new StopRequest(StopReason.HALT, reason, !critical && config.halt() == HaltMode.SOON, critical));
    }

    private void dispatch() {
        while (stop == null && !jobTimedOut()) {
            int free = config.ordered() ? (inFlight.get() == 0 ? 1 : 0) : config.concurrency() - activeSlots();
            if (claimBatch > 1 && free < claimBatch && inFlight.get() > 0
                    && System.nanoTime() - lastClaimNanos < COALESCE_NANOS) {
                coalescing = true;
                try {
                    // Wake-ups sent before this point were for slots already counted in free
                    // (or for a stop, checked below): only what frees from now on counts.
                    signalled = false;
                    if (config.concurrency() - activeSlots() < claimBatch && stop == null) {
                        awaitSignal(null, COALESCE_NANOS);
                    }
                } finally {
                    coalescing = false;
                }
                if (stop != null) {
                    break;
                }
                free = config.concurrency() - activeSlots();
            }
            List<Item> claimed = free > 0 ? claim(free) : List.of();
            if (!claimed.isEmpty()) {
                lastClaimNanos = System.nanoTime();
            }
            int started = 0;
            for (Item item : claimed) {
                if (launch(item)) {
                    started++;
                }
            }
            maybeReportProgress();
            if (started > 0) {
                continue;
            }
            if (!claimed.isEmpty()) {
                continue; // every claimed item was rejected by its breaker: look again
            }
            if (free <= 0) {
                // Nothing was claimed because no slot was free: that says nothing about what is
                // left. Every slot may have freed since (the job is not done then), so wait for a
                // slot and claim again rather than conclude anything from inFlight.
                if (inFlight.get() > 0) {
                    awaitSignal(deadline);
                }
                continue;
            }
            if (inFlight.get() == 0) {
                Optional<Instant> due = ledger.nextDueAt(job.id());
                if (due.isEmpty() && inFlight.get() == 0) {
                    if (board == null || !board.anyTroubled() || counts.snapshot().remaining() == 0) {
                        return;
                    }
                    // What is left waits for a breaker: until its trial may go, or a reset.
                    awaitSignal(earliest(board.nextTrialAt().orElse(null), deadline));
                    continue;
                }
                awaitSignal(wakeAt(due.orElse(null)));
            } else {
                awaitSignal(wakeAt(config.ordered() ? null : ledger.nextDueAt(job.id()).orElse(null)));
            }
        }
    }

    /**
     * Claims up to {@code free} items: those of scopes whose breaker is closed, then the trial
     * calls of half-open scopes.
     */
    private List<Item> claim(int free) {
        Instant now = clock.now();
        int limit = Math.min(free, MAX_CLAIM);
        if (board == null) {
            return ledger.claim(job.id(), now, limit, config.ordered());
        }
        List<Item> claimed = ledger.claim(job.id(), now, limit, config.ordered(), board.claimFilter());
        for (Map.Entry<String, Integer> trial : board.trialsDue(now).entrySet()) {
            int left = limit - claimed.size();
            if (left <= 0 || (config.ordered() && !claimed.isEmpty())) {
                break;
            }
            List<Item> trials = ledger.claim(job.id(), now, Math.min(left, trial.getValue()), config.ordered(),
                    ScopeFilter.only(trial.getKey()));
            if (!trials.isEmpty()) {
                claimed = new java.util.ArrayList<>(claimed);
                claimed.addAll(trials);
            }
        }
        return claimed;
    }

    /**
     * When to look again for due items: at {@code due}, unless a due item was not claimed (its
     * scope's breaker is open: then when the first breaker lets a trial through), and never after
     * the job's deadline.
     */
    private Instant wakeAt(Instant due) {
        if (board != null && board.anyTroubled() && due != null && !due.isAfter(clock.now())) {
            due = board.nextTrialAt().orElse(null);
        }
        return earliest(due, deadline);
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }

    private int activeSlots() {
        synchronized (slots) {
            return slotsInUse;
        }
    }

    private int takeSlot() {
        synchronized (slots) {
            int slot = slots.nextClearBit(0);
            slots.set(slot);
            slotsInUse++;
            return slot + 1;
        }
    }

    /** Frees a slot; returns how many are free now. */
    private int releaseSlot(int slot) {
        synchronized (slots) {
            slots.clear(slot - 1);
            slotsInUse--;
            return config.concurrency() - slotsInUse;
        }
    }

    /** Starts an attempt of a claimed item; false when its breaker rejected it (then it is given back or failed). */
    private boolean launch(Item item) {
        CircuitBreaker.Permit permit = NO_BREAKER;
        StopRequest halting = stop;
        if (halting != null && halting.drain()) {
            giveBack(item, "the job is halting");
            return false;
        }
        if (board != null) {
            permit = board.acquire(item.breakerScope(), clock.now());
            if (!permit.permitted()) {
                rejected(item, permit);
                return false;
            }
        }
        counts.claimed(item.seq());
        inFlight.incrementAndGet();
        int slot = takeSlot();
        Path logFile = logFiles == null ? null : logFiles.apply(item);
        AttemptContext ctx = new AttemptContext(item, item.lastAttempt(), slot, config.attemptTimeout(),
                clock.now(), logFile, worker);
        CircuitBreaker.Permit granted = permit;
        Thread thread = Thread.ofVirtual().name("bulwark-attempt-" + item.seq()).unstarted(() -> execute(item, ctx, granted));
        running.set(slot, new Running(ctx, thread));
        StopRequest current = stop;
        if (current != null) {
            ctx.stop(current.reason());
        }
        thread.start();
        return true;
    }

    /** A breaker rejected a claimed item: it waits (pause), stops the job (halt) or fails without an attempt (fail). */
    private void rejected(Item item, CircuitBreaker.Permit permit) {
        String scope = item.breakerScope();
        String why = permit.openUntil() != null
                ? "the breaker of scope " + scope + " is open until " + permit.openUntil()
                : "the breaker of scope " + scope + " is half-open and waits for its trial call";
        switch (board.config().onOpen()) {
            case PAUSE -> giveBack(item, why);
            case HALT -> {
                giveBack(item, why);
                halt("breaker-open: " + why + " (reset the breaker, or resume once its open time has passed)", false);
            }
            case FAIL -> {
                // Beside breaker-open, the review queue keeps what actually went wrong in the scope.
                String cause = board.lastFailure(scope).orElse(null);
                if (cause != null) {
                    why = why + "; last error of the scope: " + cause;
                }
                Instant now = clock.now();
                try {
                    ledger.reject(new Rejection(job.id(), item.seq(), item.fence(), ItemStatus.FAILED, "breaker-open", why, now));
                } catch (RuntimeException e) {
                    ledgerFailed(item, e);
                    return;
                }
                counts.rejectedAsFailed(item.seq());
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("key", item.key());
                data.put("category", "breaker-open");
                data.put("message", why);
                data.put("error_class", "permanent");
                data.put("scope", scope);
                emit(EngineEvent.ITEM_FAILED, item.seq(), data);
                itemFailed(item, "breaker-open");
            }
        }
    }

    /** Puts a claimed item back, unattempted. */
    private void giveBack(Item item, String why) {
        try {
            ledger.reject(new Rejection(job.id(), item.seq(), item.fence(), ItemStatus.PENDING, null, why, clock.now()));
        } catch (RuntimeException e) {
            ledgerFailed(item, e);
        }
    }

    private void ledgerFailed(Item item, Throwable error) {
        String why = "the ledger could not record item " + item.seq() + ": " + rootMessage(error);
        LOG.error("{}; pausing the job so nothing is lost", why, error);
        ledgerFailure = why;
        requestStop(StopReason.PAUSE, why);
    }

    /** An item got its final FAILED outcome: the failure threshold and stop-on-first-failure look at it. */
    private void itemFailed(Item item, String category) {
        long failed = decidedFailures.incrementAndGet();
        if (config.stopOnFirstFailure()) {
            halt("stop-on-first-failure: item " + item.seq() + " (" + item.key() + ") failed: " + category, false);
        } else if (config.failureThreshold() != null) {
            long limit = config.failureThreshold().limitFor(job.total());
            if (failed >= limit) {
                halt("max-failures: " + failed + " item(s) failed, the limit is "
                        + config.failureThreshold() + " (" + limit + " item(s))", false);
            }
        }
    }

    private void execute(Item item, AttemptContext ctx, CircuitBreaker.Permit permit) {
        long t0 = clock.nanoTime();
        ScheduledFuture<?> timeout = config.attemptTimeout() == null ? null
                : timers.schedule(() -> {
                    Running r = running.get(ctx.slot());
                    if (r != null && r.context() == ctx) {
                        stopAttempt(r, StopReason.TIMEOUT);
                    }
                }, config.attemptTimeout().toNanos(), TimeUnit.NANOSECONDS);
        AttemptResult result = null;
        try {
            result = invoke(handler, ctx);
        } finally {
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (result == null) {
                // An Error escaped the handler: record the attempt before the Error propagates.
                result = AttemptResult.failure(ErrorClass.TRANSIENT, "error", "the handler threw an Error");
            }
            long durationMs = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - t0);
            record(item, ctx, result, durationMs, permit);
        }
    }

    private static AttemptResult invoke(ItemHandler handler, AttemptContext ctx) {
        return HandlerCall.invoke(handler, ctx);
    }

    private void record(Item item, AttemptContext ctx, AttemptResult result, long durationMs, CircuitBreaker.Permit permit) {
        Instant end = clock.now();
        OutcomePolicy.Decision d = OutcomePolicy.decide(item, result, ctx.stopReason(), config.attemptTimeout(),
                config.retry(), end, random);
        AttemptResult r = d.result();
        Attempt attempt = new Attempt(job.id(), item.seq(), ctx.attempt(), ctx.startedAt(), end, d.outcome(),
                r.errorClass(), r.category(), r.message(), r.exitCode(), durationMs, worker,
                ctx.logFile() == null ? null : ctx.logFile().toString());
        Completion completion = new Completion(attempt, item.fence(), d.next(), d.nextAttemptAt());
        running.set(ctx.slot(), null);
        // Breakers and stop decisions are settled here, before the slot frees, so no further
        // item starts after a critical error, the failure that reaches a threshold, or the
        // failure that opens a breaker.
        if (board != null) {
            String scope = item.breakerScope();
            switch (d.outcome()) {
                case SUCCEEDED -> board.succeeded(scope, permit, end, Duration.ofMillis(durationMs));
                case FAILED -> board.failed(scope, permit, end, r.errorClass(),
                        r.category() + (r.message() == null ? "" : " " + r.message()));
                default -> board.release(scope, permit);
            }
        }
        if (d.critical()) {
            halt("critical error on item " + item.seq() + " (" + item.key() + "): "
                    + r.category() + (r.message() == null ? "" : " " + r.message()), true);
        } else if (d.next() == ItemStatus.FAILED) {
            itemFailed(item, r.category());
        }
        int freeSlots = config.ordered() ? 0 : releaseSlot(ctx.slot());
        // Runs where the future completes (the ledger's callback thread, or here if already
        // done); it only queues the outcome: counting and events happen on the callbacks thread.
        ledger.complete(completion).whenComplete((ok, error) -> {
            outcomes.add(new Outcome(item, ctx, d, attempt, error));
            if (draining.compareAndSet(false, true)) {
                callbacks.execute(this::drainOutcomes);
            }
        });
        if (!config.ordered() && (!coalescing || freeSlots >= claimBatch)) {
            signal();
        }
    }

    /** Takes settled outcomes in the order they were settled, until none is left; then wakes the dispatcher. */
    private void drainOutcomes() {
        do {
            Outcome o;
            while ((o = outcomes.poll()) != null) {
                try {
                    committed(o.item(), o.context(), o.decision(), o.attempt(), o.error());
                } catch (RuntimeException e) {
                    LOG.error("cannot report the outcome of item {}", o.item().seq(), e);
                } finally {
                    if (config.ordered()) {
                        releaseSlot(o.context().slot());
                    }
                    inFlight.decrementAndGet();
                }
            }
            draining.set(false);
            if (!coalescing || inFlight.get() == 0) {
                signal();
            }
            // An outcome queued after the last poll but before draining was reset found the flag
            // still set and scheduled nothing: take it here.
        } while (!outcomes.isEmpty() && draining.compareAndSet(false, true));
    }

    private void committed(Item item, AttemptContext ctx, OutcomePolicy.Decision d, Attempt a, Throwable error) {
        if (error != null) {
            ledgerFailed(item, error);
            return;
        }
        int attemptsAfter = item.attempts() + (d.outcome() == AttemptOutcome.INTERRUPTED ? 0 : 1);
        counts.completed(item.seq(), d.outcome(), attemptsAfter, d.next());
        if (d.outcome() == AttemptOutcome.SUCCEEDED && listeners.isEmpty()) {
            return; // the ledger does not keep success events, and nobody listens: nothing to emit
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("key", item.key());
        data.put("attempt", a.number());
        data.put("duration_ms", a.durationMs());
        if (a.exitCode() != null) {
            data.put("exit_code", a.exitCode());
        }
        String type;
        if (d.outcome() == AttemptOutcome.SUCCEEDED) {
            type = EngineEvent.ITEM_SUCCEEDED;
        } else {
            data.put("category", a.category());
            if (a.message() != null) {
                data.put("message", a.message());
            }
            if (d.outcome() == AttemptOutcome.INTERRUPTED) {
                type = EngineEvent.ITEM_INTERRUPTED;
            } else if (d.next() == ItemStatus.RETRY_WAIT) {
                type = EngineEvent.ITEM_RETRY_SCHEDULED;
                data.put("error_class", a.errorClass().name().toLowerCase(java.util.Locale.ROOT));
                data.put("retry_at", d.nextAttemptAt().toString());
            } else {
                type = EngineEvent.ITEM_FAILED;
                data.put("error_class", a.errorClass().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        emit(type, item.seq(), data);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private void awaitInFlight() {
        while (inFlight.get() > 0) {
            awaitSignal(null);
            maybeReportProgress();
        }
        ledger.flush();
    }

    private JobResult finish() {
        StopRequest s = stop;
        Instant now = clock.now();
        Job done;
        JobCounts finalCounts = null;
        if (s == null) {
            JobCounts c = ledger.counts(job.id());
            if (c.remaining() > 0) {
                // Cannot happen when the dispatcher is right; should it, the job stays resumable
                // rather than claim an outcome its items do not have.
                String why = "internal error: the run ended with " + c.remaining() + " item(s) without a final outcome";
                LOG.error("job {}: {}; pausing it, resume runs them", job.id(), why);
                s = new StopRequest(StopReason.PAUSE, why, false, false);
            } else {
                finalCounts = c;
            }
        }
        if (s != null && s.reason() == StopReason.PAUSE) {
            done = recordFinalStatus(JobStatus.PAUSED, s.message(), now);
            emit(EngineEvent.JOB_PAUSED, 0, Map.of("reason", s.message()));
            finalCounts = ledger.counts(job.id());
        } else {
            if (s != null) {
                long skipped = ledger.skipRemaining(job.id(), now);
                emit(EngineEvent.JOB_HALTING, 0, Map.of("reason", s.message(), "skipped", skipped));
                if (s.critical() && config.rollback()) {
                    s = new StopRequest(s.reason(), s.message() + "; " + rollback(), false, true);
                    now = clock.now();
                }
                finalCounts = ledger.counts(job.id());
            }
            // Only the job's own row changes from here on: these counts are the final ones.
            JobCounts c = finalCounts;
            JobStatus status;
            String reason = s == null ? null : s.message();
            if (s != null) {
                status = s.reason() == StopReason.CANCEL ? JobStatus.CANCELLED : JobStatus.FAILED;
            } else if (c.failed() == 0 && c.skipped() == 0) {
                status = JobStatus.COMPLETED;
            } else if (c.failed() == c.total()) {
                status = JobStatus.FAILED;
                reason = "every item failed";
            } else {
                status = JobStatus.PARTIAL;
                reason = c.failed() + " of " + c.total() + " item(s) failed";
            }
            done = recordFinalStatus(status, reason, now);
        }
        Duration took = Duration.ofNanos(clock.nanoTime() - startNanos);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("status", done.status().name());
        if (done.reason() != null) {
            data.put("reason", done.reason());
        }
        data.put("succeeded", finalCounts.succeeded());
        data.put("failed", finalCounts.failed());
        data.put("skipped", finalCounts.skipped());
        data.put("retries", finalCounts.retries());
        data.put("duration_ms", took.toMillis());
        if (done.status() != JobStatus.PAUSED) {
            emit(EngineEvent.JOB_FINISHED, 0, data);
        }
        ledger.flush();
        counts.reset(finalCounts, Set.of());
        reportProgress(clock.nanoTime());
        return new JobResult(done, finalCounts, took);
    }

    /**
     * Moves the job to its final (or PAUSED) status. Should something outside this run have moved
     * the job already (a cancel or pause recorded by another engine on the ledger), the job keeps
     * the status the ledger has and the run reports that, rather than fail with an
     * {@link dev.bulwark.InvalidTransitionException} the caller cannot act on.
     */
    private Job recordFinalStatus(JobStatus status, String reason, Instant now) {
        try {
            return ledger.transition(job.id(), status, reason, now);
        } catch (dev.bulwark.InvalidTransitionException e) {
            Job current = ledger.findJob(job.id()).orElseThrow(() -> e);
            LOG.warn("job {}: the run ended {} but the ledger has it {} already ({}); keeping {}",
                    job.id(), status, current.status(), e.getMessage(), current.status());
            return current;
        }
    }

    /**
     * Undoes every succeeded item, newest first, with the compensator: each compensation is an
     * attempt of its own, and a compensated item becomes COMPENSATED. Returns what it did, for the
     * job's reason.
     */
    private String rollback() {
        if (compensator == null) {
            LOG.error("job {}: rollback asked for, but there is no compensation command or compensator", job.id());
            return "no rollback: the job has no compensation command";
        }
        List<Item> succeeded = new java.util.ArrayList<>();
        long after = 0;
        while (true) {
            List<Item> page = ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.SUCCEEDED), after, 5_000));
            succeeded.addAll(page);
            if (page.size() < 5_000) {
                break;
            }
            after = page.get(page.size() - 1).seq();
        }
        succeeded.sort(java.util.Comparator.comparing(Item::finishedAt, java.util.Comparator.nullsFirst(
                java.util.Comparator.<Instant>naturalOrder())).thenComparingLong(Item::seq).reversed());
        emit(EngineEvent.ROLLBACK_STARTED, 0, Map.of("items", succeeded.size()));
        int compensated = 0;
        int failed = 0;
        for (Item item : succeeded) {
            if (compensate(item)) {
                compensated++;
            } else {
                failed++;
            }
        }
        ledger.flush();
        return "rolled back: " + compensated + " item(s) compensated" + (failed == 0 ? "" : ", " + failed
                + " compensation(s) failed (those items stay SUCCEEDED; see their attempts)");
    }

    /** Runs the compensation of one item on its own thread, with the attempt timeout; records it. */
    private boolean compensate(Item item) {
        int number = item.lastAttempt() + 1;
        Path logFile = logFiles == null ? null : logFiles.apply(item);
        Instant start = clock.now();
        AttemptContext ctx = new AttemptContext(item, number, 1, config.attemptTimeout(), start, logFile, worker);
        long t0 = clock.nanoTime();
        AttemptResult[] result = new AttemptResult[1];
        Thread thread = Thread.ofVirtual().name("bulwark-compensate-" + item.seq()).start(() -> result[0] = invoke(compensator, ctx));
        ScheduledFuture<?> timeout = config.attemptTimeout() == null ? null : timers.schedule(() -> {
            if (ctx.stop(StopReason.TIMEOUT)) {
                thread.interrupt();
            }
        }, config.attemptTimeout().toNanos(), TimeUnit.NANOSECONDS);
        try {
            thread.join();
        } catch (InterruptedException e) {
            ctx.stop(StopReason.PAUSE);
            thread.interrupt();
            Thread.currentThread().interrupt();
        } finally {
            if (timeout != null) {
                timeout.cancel(false);
            }
        }
        AttemptResult r = result[0] == null ? AttemptResult.failure(ErrorClass.TRANSIENT, "interrupted", "stopped") : result[0];
        if (!r.succeeded() && ctx.stopReason() == StopReason.TIMEOUT) {
            r = AttemptResult.failure(ErrorClass.TRANSIENT, "timeout", "timed out after " + Durations.format(config.attemptTimeout()),
                    r.exitCode());
        }
        boolean ok = r.succeeded();
        Attempt a = new Attempt(job.id(), item.seq(), number, start, clock.now(),
                ok ? AttemptOutcome.COMPENSATED : AttemptOutcome.COMPENSATION_FAILED, ok ? null : r.errorClass(),
                ok ? null : r.category(), ok ? null : r.message(), r.exitCode(),
                TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - t0), worker, logFile == null ? null : logFile.toString());
        ledger.recordCompensation(a);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("key", item.key());
        data.put("attempt", number);
        data.put("duration_ms", a.durationMs());
        if (!ok) {
            data.put("category", r.category());
            if (r.message() != null) {
                data.put("message", r.message());
            }
        }
        emit(ok ? EngineEvent.ITEM_COMPENSATED : EngineEvent.ITEM_COMPENSATION_FAILED, item.seq(), data);
        return ok;
    }

    /** A breaker changed state: a ledger event, and in halt mode the end of the job when it opened. */
    private void breakerChanged(CircuitBreaker.Transition t) {
        int reopens = board.snapshot(t.scope()).reopens();
        Map<String, Object> data = BreakerStatus.eventData(t, reopens);
        emit(BreakerStatus.eventType(t.to()), 0, data);
        if (t.to() == CircuitBreaker.State.OPEN) {
            LOG.warn("job {}: breaker of scope {} opened until {}: {}", job.id(), t.scope(), t.openUntil(), t.reason());
            if (board.config().onOpen() == BreakerConfig.OnOpen.HALT) {
                halt("breaker-open: the breaker of scope " + t.scope() + " opened (" + t.reason() + ")", false);
            }
        }
        signal();
    }

    /** Closes a scope's breaker by hand; false when it was not open. */
    public boolean resetBreaker(String scope) {
        return board != null && board.reset(scope, clock.now());
    }

    /** The breakers of this job that are not closed. */
    public List<BreakerStatus> openBreakers() {
        return board == null ? List.of() : board.open(clock.now());
    }

    private void emit(String type, long seq, Map<String, Object> data) {
        EngineEvent event = new EngineEvent(type, job.id(), clock.now(), seq, data);
        if (event.kept()) {
            ledger.appendEvent(event);
        }
        for (JobListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on {}", l, type, e);
            }
        }
    }

    private void maybeReportProgress() {
        long now = clock.nanoTime();
        if (now - lastProgressNanos >= TICK_NANOS || lastProgressNanos == 0) {
            reportProgress(now);
        }
    }

    private void reportProgress(long now) {
        lastProgressNanos = now;
        JobCounts c = counts.snapshot();
        rate.record(now, c.done());
        Progress p = new Progress(job.id(), c, rate.perSecond(), Duration.ofNanos(now - startNanos), rate.eta(c.remaining()),
                openBreakers());
        for (JobListener l : listeners) {
            try {
                l.onProgress(p);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on progress", l, e);
            }
        }
    }

    /** Current progress from committed outcomes. */
    public Progress progress() {
        long now = clock.nanoTime();
        JobCounts c = counts.snapshot();
        return new Progress(job.id(), c, rate.perSecond(), Duration.ofNanos(now - startNanos), rate.eta(c.remaining()),
                openBreakers());
    }

    private void signal() {
        signalled = true;
        Thread waiting = sleeper;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    /** Waits for a signal, the next progress tick, or {@code due} on the injected clock, whichever is first. */
    private void awaitSignal(Instant due) {
        awaitSignal(due, TICK_NANOS);
    }

    /** Like {@link #awaitSignal(Instant)}, waiting at most {@code maxNanos}. */
    private void awaitSignal(Instant due, long maxNanos) {
        if (!signalled) {
            long waitNanos = maxNanos;
            if (due != null) {
                long untilDue = Duration.between(clock.now(), due).toNanos();
                waitNanos = Math.max(0, Math.min(waitNanos, untilDue));
            }
            if (waitNanos > 0) {
                long deadline = System.nanoTime() + waitNanos;
                // Publish the sleeper before looking at the flag: a signal() that sets the flag
                // after this look finds the sleeper and unparks it (volatile order), so no
                // wake-up is lost.
                sleeper = Thread.currentThread();
                try {
                    long left = waitNanos;
                    while (!signalled && left > 0) {
                        LockSupport.parkNanos(this, left);
                        if (Thread.currentThread().isInterrupted()) {
                            requestStop(StopReason.PAUSE, "interrupted");
                            break;
                        }
                        left = deadline - System.nanoTime();
                    }
                } finally {
                    sleeper = null;
                }
            }
        }
        signalled = false;
    }
}
