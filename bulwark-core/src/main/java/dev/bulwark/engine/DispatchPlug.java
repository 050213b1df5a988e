package dev.bulwark.engine;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptContext;
import dev.bulwark.StopReason;
import dev.bulwark.engine.OutcomePolicy;
import dev.bulwark.ledger.Completion;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What differs between deployments of the one {@link Dispatcher}: where claims come from (a
 * local ledger claim of one job, or leases across the jobs of a shared ledger), how outcomes are
 * written (group commit, fenced), and what an outcome means for its job. Everything else — slots,
 * wake-ups, timeouts, the handler call, the outcome decision — is the dispatcher's.
 *
 * <p>The dispatcher calls {@link #claim}, {@link #admit}, {@link #context}, {@link #idle} and
 * {@link #tick} from its own thread, {@link #decided} and {@link #write} from the attempt's
 * thread, and {@link #settled} from its outcomes thread, one outcome at a time.
 */
public interface DispatchPlug<C extends Claim> {

    /** True once the dispatcher should claim nothing more (a stop, the end of a job's time). */
    boolean stopping();

    /** How many items may be claimed now, given the free slots and the attempts in flight. */
    int claimable(int freeSlots, int inFlight);

    /** Most items taken by one claim. */
    int claimLimit();

    /** Claims up to {@code max} due items; an empty list when none is due (or none should be looked for now). */
    List<C> claim(int max);

    /**
     * Whether the dispatcher may claim items beyond its free slots while attempts are much shorter
     * than claims (pipelined claims): those wait claimed until a slot frees, and are given back
     * ({@link #giveBack}) if the dispatcher stops first.
     */
    boolean claimsAhead();

    /**
     * Whether {@link #claim} may run on another thread while the dispatcher starts items claimed
     * before (the next claim ahead, made in the background). Only for a plug whose claim touches
     * nothing but thread-safe state.
     */
    default boolean claimsInBackground() {
        return false;
    }

    /** Gives back an item claimed but never started (the dispatcher stopped first). */
    void giveBack(C claim);

    /** Whether a claimed item may start now; when not, the plug gave it back (or failed it) itself. */
    boolean admit(C claim);

    /** The context of the attempt about to start in {@code slot}. */
    AttemptContext context(C claim, int slot);

    /** Why an attempt about to start is to stop at once (a stop that came meanwhile), or null. */
    StopReason stopNow();

    /** When the attempt ended, given how long it ran by the monotonic clock. */
    Instant endOf(C claim, AttemptContext ctx, long nanos);

    /**
     * The outcome was decided; called on the attempt's thread before its slot frees, so what it
     * decides for the job (a halt, a breaker that opens) holds before the next item starts.
     */
    void decided(C claim, OutcomePolicy.Decision decision, Attempt attempt);

    /**
     * A file of Bulwark's own (an item log) could not be written during the attempt: that is not
     * the item's failure. The attempt is recorded as interrupted; the plug decides what stops
     * (the job pauses, so that the fault fails no item).
     */
    void ownIoFault(C claim, String why);

    /** Writes the outcome; the future completes once it is durable, or failed if it is not recorded. */
    CompletableFuture<?> write(C claim, Completion completion);

    /** Whether an attempt keeps its slot until its outcome is recorded (an ordered job). */
    boolean holdsSlotUntilRecorded(C claim);

    /**
     * The outcome was settled: recorded durably ({@code error} null), or not ({@code error}).
     * Only now does it count (progress, events, summaries).
     */
    void settled(C claim, OutcomePolicy.Decision decision, Attempt attempt, Throwable error);

    /** Nothing to start now: whether the dispatcher is done, or how long it may wait. */
    Idle idle(int claimable, int inFlight);

    /** Called on every turn of the dispatcher (progress ticks). */
    default void tick() {
    }

    /** The dispatcher's thread was interrupted. */
    void interrupted();

    /**
     * What the dispatcher does with nothing to start: end, or wait for a signal (a slot frees,
     * an outcome settles, work arrives), at most {@code maxNanos} and not past {@code until}.
     */
    record Idle(boolean finished, Instant until, long maxNanos) {
        public static Idle done() {
            return new Idle(true, null, 0);
        }

        public static Idle waitFor(Instant until, long maxNanos) {
            return new Idle(false, until, maxNanos);
        }
    }
}
