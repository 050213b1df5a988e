package dev.bulwark.engine;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.JobConfig;
import dev.bulwark.StopReason;
import dev.bulwark.engine.OutcomePolicy;
import dev.bulwark.engine.OwnIoFault;
import dev.bulwark.util.Durations;
import dev.bulwark.ledger.Completion;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one dispatch pipeline of Bulwark: claim due items, run each attempt (slot, timeout, handler
 * call), decide its outcome ({@link OutcomePolicy}), write it. {@code run}, the Java API,
 * {@code serve} and {@code worker} all drive it; a {@link DispatchPlug} says where claims come from
 * and how outcomes are written.
 *
 * <p>Each attempt runs on a virtual thread of its own. Its slot frees when its handler returns,
 * not when its outcome is durable (except for an ordered job): the next item starts while the
 * outcome waits for the group commit, and the outcome counts only once the plug hears it is
 * durable ({@link DispatchPlug#settled}), on the dispatcher's outcomes thread, in the order the
 * commits completed.
 *
 * <p>{@link #run()} runs on the caller's thread; {@link #signal()}, {@link #stopRunning} and
 * {@link #inFlight()} are thread-safe.
 */
public final class Dispatcher<C extends Claim> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** Longest wait without a signal, so that progress is reported and stops are seen. */
    public static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final DispatchPlug<C> plug;
    private final BulwarkClock clock;
    private final RandomGenerator random;
    private final ScheduledExecutorService timers;
    private final Slots slots;
    private final WakeUp wakeUp;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Running attempts by slot number (slot 0 unused): a plain array write per attempt, no map. */
    private final AtomicReferenceArray<C> running;
    /** Per job with a relative timeout: the median of its recent successes seen here. */
    private final java.util.Map<java.util.UUID, SuccessMedian> medians = new ConcurrentHashMap<>();
    // Settled outcomes wait here for the outcomes thread, which takes them in batches: one
    // hand-over per batch rather than one task per outcome.
    private final ExecutorService callbacks;
    private final ConcurrentLinkedQueue<Settled<C>> outcomes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    // Claim coalescing: while claims follow each other within coalesceNanos (attempts end as
    // fast as they start), the dispatcher waits until claimBatch slots are free, or at most
    // coalesceNanos, and claims them at once, instead of waking and claiming for every single
    // slot. That saves a wake-up per attempt, and one ledger transaction per claimed item.
    private final int claimBatch;
    private final long coalesceNanos;
    private volatile boolean coalescing;
    private long lastClaimNanos;

    /** Most items claimed beyond the free slots. */
    static final int MAX_AHEAD = 512;
    /** Claimed items waiting for a slot (only the dispatcher thread touches it). */
    private final java.util.ArrayDeque<C> ready = new java.util.ArrayDeque<>();
    /** Recent averages: how long a claim takes (dispatcher thread only), and an attempt (any thread). */
    private long claimNanos;
    /**
     * The next claim ahead, made on another thread while the dispatcher starts what it claimed
     * before (dispatcher thread only; null when none is under way), and its size (0: none to make).
     * Without it, each claim of up to {@link #MAX_AHEAD} short items left the slots idle while the
     * ledger answered: in a 5,000-item run on SQLite, a third of the time.
     */
    private CompletableFuture<Ahead<C>> nextClaim;
    private int nextClaimSize;
    private final java.util.concurrent.atomic.AtomicLong attemptNanos = new java.util.concurrent.atomic.AtomicLong(-1);

    private record Settled<C>(C claim, OutcomePolicy.Decision decision, Attempt attempt, Throwable error) {
    }

    /** A claim made ahead on another thread: how many items it asked for, those it got, and how long it took. */
    private record Ahead<C>(int asked, List<C> claims, long nanos) {
    }

    /**
     * @param concurrency   attempts at the same time
     * @param claimBatch    while claims are frequent, free slots gathered into one claim (1: claim at once)
     * @param coalesceNanos longest a free slot waits for others so that they are claimed together
     * @param name          names the outcomes thread
     */
    public Dispatcher(DispatchPlug<C> plug, BulwarkClock clock, RandomGenerator random, ScheduledExecutorService timers,
                      int concurrency, int claimBatch, long coalesceNanos, String name) {
        this.plug = plug;
        this.clock = clock;
        this.random = random;
        this.timers = timers;
        this.slots = new Slots(concurrency);
        this.running = new AtomicReferenceArray<>(concurrency + 1);
        this.wakeUp = new WakeUp(clock);
        this.claimBatch = claimBatch;
        this.coalesceNanos = coalesceNanos;
        this.lastClaimNanos = System.nanoTime() - 2 * coalesceNanos; // "long ago": nanoTime may be negative
        this.callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bulwark-outcomes-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Attempts started whose outcome is not settled yet. */
    public int inFlight() {
        return inFlight.get();
    }

    public Slots slots() {
        return slots;
    }

    /** Wakes the dispatcher: something it waits for may have happened. */
    public void signal() {
        wakeUp.signal();
    }

    /** Stops every running attempt (their outcomes are recorded as the stop reason says). */
    public void stopRunning(StopReason reason) {
        for (int i = 1; i < running.length(); i++) {
            C claim = running.get(i);
            if (claim != null) {
                claim.stop(reason);
            }
        }
    }

    /**
     * Claims and starts attempts until the plug is stopping or idle and finished; returns with
     * attempts maybe in flight. Claimed items not started by then are given back to the plug.
     */
    public void run() {
        try {
            dispatch();
        } finally {
            giveBackReady();
            if (nextClaim != null) {
                // Under way as the dispatcher stopped: what it claims is given back too, once it is answered.
                try {
                    ready.addAll(nextClaim.join().claims());
                } catch (RuntimeException e) {
                    LOG.debug("a claim made ahead failed as the dispatcher stopped", e);
                }
                nextClaim = null;
                giveBackReady();
            }
        }
    }

    private void giveBackReady() {
        for (C claim; (claim = ready.poll()) != null; ) {
            plug.giveBack(claim);
        }
    }

    private void dispatch() {
        while (!plug.stopping()) {
            int claimable = plug.claimable(slots.free(), inFlight.get());
            if (claimable > 0 && !ready.isEmpty()) {
                int started = 0;
                for (C claim; started < claimable && (claim = ready.poll()) != null; ) {
                    if (launch(claim)) {
                        started++;
                    }
                }
                claimNextAhead();
                plug.tick();
                continue;
            }
            if (claimBatch > 1 && claimable < claimBatch && inFlight.get() > 0
                    && System.nanoTime() - lastClaimNanos < coalesceNanos) {
                coalescing = true;
                try {
                    // Wake-ups sent before this point were for slots already counted
                    // (or for a stop, checked below): only what frees from now on counts.
                    wakeUp.clear();
                    if (slots.free() < claimBatch && !plug.stopping()) {
                        awaitSignal(null, coalesceNanos);
                    }
                } finally {
                    coalescing = false;
                }
                if (plug.stopping()) {
                    break;
                }
                claimable = plug.claimable(slots.free(), inFlight.get());
            }
            if (claimable > 0 && !ready.isEmpty()) {
                continue;
            }
            if (!ready.isEmpty()) {
                awaitSignal(null, TICK_NANOS); // every slot busy, and claimed items wait for one
                continue;
            }
            int ahead = claimable > 0 && plug.claimsAhead() ? claimsAhead() : 0;
            int want = Math.min(claimable + ahead, plug.claimLimit());
            long t0 = System.nanoTime();
            List<C> claimed;
            long took;
            int asked = want;
            if (nextClaim != null) {
                Ahead<C> made = takeNextClaim();
                claimed = made.claims();
                took = made.nanos();
                asked = made.asked();
            } else {
                claimed = want > 0 ? plug.claim(want) : List.of();
                took = System.nanoTime() - t0;
            }
            if (!claimed.isEmpty()) {
                lastClaimNanos = System.nanoTime();
                claimNanos = claimNanos == 0 ? took : (claimNanos * 7 + took) / 8;
            }
            // Claiming ahead (attempts are short), and the claim came back full: more is likely
            // due; claim it while these run.
            int aheadNow = plug.claimsAhead() ? claimsAhead() : 0;
            nextClaimSize = asked > claimable && claimed.size() >= asked && aheadNow > 0 && plug.claimsInBackground()
                    ? Math.min(plug.claimLimit(), Math.max(claimable, 1) + aheadNow) : 0;
            int started = 0;
            int launched = 0;
            for (C claim : claimed) {
                if (launched < claimable) {
                    launched++;
                    if (launch(claim)) {
                        started++;
                    }
                } else {
                    ready.add(claim);
                }
            }
            plug.tick();
            if (!claimed.isEmpty() && (claimed.size() == want || started < launched)) {
                continue; // maybe more is due; or a breaker rejected some: look again
            }
            if (!ready.isEmpty()) {
                continue;
            }
            DispatchPlug.Idle idle = plug.idle(claimable, inFlight.get());
            if (idle.finished()) {
                return;
            }
            awaitSignal(idle.until(), idle.maxNanos());
        }
    }

    /**
     * Runs the work due now, once, and returns how many attempts started: claims due items as the
     * slots allow, runs them, and returns once every outcome is settled with the plug. Items that
     * become due later (a retry's backoff, a breaker's open time) wait for the next call. For
     * tests that read "set the clock, run due work, assert" (db-scheduler's
     * {@code ManualScheduler.runAnyDueExecutions()}); never claims ahead.
     */
    public int runDueOnce() {
        int started = 0;
        while (!plug.stopping()) {
            int claimable = plug.claimable(slots.free(), inFlight.get());
            if (claimable <= 0) {
                awaitSignal(null, TICK_NANOS);
                continue;
            }
            boolean nothingInFlight = inFlight.get() == 0;
            List<C> claimed = plug.claim(Math.min(claimable, plug.claimLimit()));
            if (claimed.isEmpty()) {
                // Only a claim made with nothing in flight says nothing is due: an attempt that
                // ended during the claim may have made more due (the next item of an ordered job,
                // or of its scope).
                if (nothingInFlight) {
                    break;
                }
                if (inFlight.get() == 0) {
                    continue;
                }
                awaitSignal(null, TICK_NANOS); // what runs may make more due (an ordered job's next item)
                continue;
            }
            for (C claim : claimed) {
                if (launch(claim)) {
                    started++;
                }
            }
        }
        awaitInFlight();
        return started;
    }

    /** Waits until no attempt is in flight. */
    public void awaitInFlight() {
        while (inFlight.get() > 0) {
            awaitSignal(null, TICK_NANOS);
            plug.tick();
        }
    }

    /**
     * How many items to claim beyond the free slots, so that the slots keep busy while the next
     * claim waits for its commit: as many as the slots finish in one claim's time (by the recent
     * averages of both), at most {@link #MAX_AHEAD}. None while attempts take longer than claims:
     * then claimed items would only wait, shown as running.
     */
    private int claimsAhead() {
        long attempt = attemptNanos.get();
        if (attempt < 0 || claimNanos <= Math.max(1, attempt)) {
            return 0;
        }
        return (int) Math.min(MAX_AHEAD, (long) slots.capacity() * (claimNanos / Math.max(1, attempt)));
    }

    /**
     * Waits until no attempt is in flight, at most until {@code deadlineNanos} ({@link System#nanoTime()});
     * returns whether none is.
     */
    public boolean awaitInFlight(long deadlineNanos) {
        while (inFlight.get() > 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            awaitSignal(null, Math.min(left, TICK_NANOS));
            plug.tick();
        }
        return true;
    }

    private void awaitSignal(Instant until, long maxNanos) {
        wakeUp.await(until, maxNanos);
        if (Thread.currentThread().isInterrupted()) {
            plug.interrupted();
        }
    }

    /**
     * Starts the next claim ahead on a virtual thread once half of the items claimed ahead have
     * started, unless one is under way or none is wanted. It wakes the dispatcher when answered.
     */
    private void claimNextAhead() {
        if (nextClaim != null || nextClaimSize == 0 || ready.size() > nextClaimSize / 2 || plug.stopping()) {
            return;
        }
        int size = nextClaimSize;
        CompletableFuture<Ahead<C>> future = new CompletableFuture<>();
        nextClaim = future;
        Thread.ofVirtual().name("bulwark-claim-ahead").start(() -> {
            long t0 = System.nanoTime();
            try {
                future.complete(new Ahead<>(size, plug.claim(size), System.nanoTime() - t0));
            } catch (Throwable t) {
                future.completeExceptionally(t);
            } finally {
                wakeUp.signal();
            }
        });
    }

    /** Waits for the claim made ahead and returns it; its failure is thrown as the claim's own would be. */
    private Ahead<C> takeNextClaim() {
        try {
            return nextClaim.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        } finally {
            nextClaim = null;
        }
    }

    /** Starts an attempt of a claimed item; false when the plug did not admit it. */
    private boolean launch(C claim) {
        if (!plug.admit(claim)) {
            return false;
        }
        inFlight.incrementAndGet();
        int slot = slots.take();
        AttemptContext ctx = plug.context(claim, slot);
        Thread thread = Thread.ofVirtual().name("bulwark-attempt-" + claim.item().seq()).unstarted(() -> execute(claim, ctx));
        claim.started(ctx, thread);
        running.set(slot, claim);
        StopReason now = plug.stopNow();
        if (now != null) {
            ctx.stop(now);
        }
        thread.start();
        return true;
    }

    private void execute(C claim, AttemptContext ctx) {
        long t0 = clock.nanoTime();
        long realT0 = System.nanoTime(); // the pace of claims ahead is real time, whatever the injected clock
        Limit limit = limitOf(claim);
        ScheduledFuture<?> timer = limit == null ? null
                : timers.schedule(() -> claim.stop(StopReason.TIMEOUT), limit.nanos(), TimeUnit.NANOSECONDS);
        AttemptResult result = null;
        try {
            result = HandlerCall.invoke(claim.handler(), ctx);
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
            if (result == null) {
                // An Error escaped the handler: record the attempt before the Error propagates.
                result = AttemptResult.failure(ErrorClass.TRANSIENT, "error", "the handler threw an Error");
            }
            attemptNanos.accumulateAndGet(System.nanoTime() - realT0, (avg, last) -> avg < 0 ? last : (avg * 7 + last) / 8);
            record(claim, ctx, result, clock.nanoTime() - t0, limit);
        }
    }

    /** An attempt's time limit, and how the timeout message states it. */
    private record Limit(long nanos, String text) {
    }

    /**
     * The time limit of an attempt about to start, or null for none: the job's timeout, or its
     * percentage of the median of the job's recent successes (none before the first success).
     */
    private Limit limitOf(C claim) {
        JobConfig config = claim.config();
        if (config.attemptTimeout() != null) {
            return new Limit(config.attemptTimeout().toNanos(), Durations.format(config.attemptTimeout()));
        }
        Integer percent = config.attemptTimeoutPercent();
        long median = percent == null ? -1 : medianOf(claim).nanos();
        if (median < 0) {
            return null;
        }
        long nanos = Math.max(1, (long) (median * (percent / 100.0)));
        return new Limit(nanos, Durations.format(java.time.Duration.ofNanos(nanos)) + " (" + percent + "% of the median "
                + Durations.format(java.time.Duration.ofNanos(median)) + ")");
    }

    private SuccessMedian medianOf(C claim) {
        return medians.computeIfAbsent(claim.item().jobId(), id -> new SuccessMedian());
    }

    private void record(C claim, AttemptContext ctx, AttemptResult result, long nanos, Limit limit) {
        Item item = claim.item();
        JobConfig config = claim.config();
        Instant end = plug.endOf(claim, ctx, nanos);
        StopReason stopped = ctx.stopReason();
        if (OwnIoFault.is(result)) { // not the item's failure: the attempt is interrupted and the plug decides what stops
            plug.ownIoFault(claim, result.message());
            stopped = StopReason.PAUSE;
        }
        OutcomePolicy.Decision d = OutcomePolicy.decide(item, result, stopped, limit == null ? null : limit.text(),
                config.retry(), end, random);
        if (d.outcome() == dev.bulwark.AttemptOutcome.SUCCEEDED && config.attemptTimeoutPercent() != null) {
            medianOf(claim).add(nanos);
        }
        AttemptResult r = d.result();
        Attempt attempt = new Attempt(item.jobId(), item.seq(), ctx.attempt(), ctx.startedAt(), end, d.outcome(),
                r.errorClass(), r.category(), r.message(), r.exitCode(), TimeUnit.NANOSECONDS.toMillis(nanos), ctx.worker(),
                ctx.logFile() == null ? null : ctx.logFile().toString());
        Completion completion = new Completion(attempt, item.fence(), d.next(), d.nextAttemptAt(),
                d.next() == dev.bulwark.ItemStatus.SUCCEEDED ? r.result() : null);
        claim.end();
        running.set(ctx.slot(), null);
        plug.decided(claim, d, attempt);
        boolean holdSlot = plug.holdsSlotUntilRecorded(claim);
        int free = holdSlot ? 0 : slots.release(ctx.slot());
        CompletableFuture<?> written;
        try {
            written = plug.write(claim, completion);
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        // Runs where the future completes (the ledger's commit thread, or here if already done);
        // it only queues the outcome: the plug hears of it on the outcomes thread.
        written.whenComplete((ok, error) -> {
            outcomes.add(new Settled<>(claim, d, attempt, error));
            if (draining.compareAndSet(false, true)) {
                callbacks.execute(this::drainOutcomes);
            }
        });
        if (!holdSlot && (!coalescing || free >= claimBatch)) {
            wakeUp.signal();
        }
    }

    /** Takes settled outcomes in the order they were settled, until none is left; then wakes the dispatcher. */
    private void drainOutcomes() {
        do {
            Settled<C> s;
            while ((s = outcomes.poll()) != null) {
                try {
                    Throwable error = s.error() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                            ? c.getCause() : s.error();
                    plug.settled(s.claim(), s.decision(), s.attempt(), error);
                } catch (RuntimeException e) {
                    LOG.error("cannot report the outcome of item {}", s.claim().item().seq(), e);
                } finally {
                    if (plug.holdsSlotUntilRecorded(s.claim())) {
                        slots.release(s.claim().context().slot());
                    }
                    inFlight.decrementAndGet();
                }
            }
            draining.set(false);
            if (!coalescing || inFlight.get() == 0) {
                wakeUp.signal();
            }
            // An outcome queued after the last poll but before draining was reset found the flag
            // still set and scheduled nothing: take it here.
        } while (!outcomes.isEmpty() && draining.compareAndSet(false, true));
    }

    /** Stops the outcomes thread once every settled outcome was handed to the plug. */
    @Override
    public void close() {
        callbacks.shutdown();
    }
}
