package dev.bulwark.jdbc.worker;

import java.time.Duration;

/**
 * The self-fencing rule of a worker: when a lease may have expired by the database's clock, on
 * the worker's own monotonic clock alone. Immutable; all times are nanoseconds of that clock.
 *
 * <p>A lease is measured from the <em>send</em> time of the last statement the database confirmed
 * for it (the claim, or a renewal that returned its fence). The database set the lease's expiry
 * to {@code now() + lease} when it ran that statement, which was after it was sent: so the lease
 * cannot expire, by the database's clock, before {@code sent + lease} has passed on a clock that
 * runs at the database clock's rate. Network delay only makes the real expiry later. What is left
 * to allow for:
 * <ul>
 *   <li>clock rate: the two clocks may run at slightly different rates; {@link #CLOCK_RATE}
 *       (1 %, far beyond the drift of a quartz clock or an NTP-slewed one) of the lease;</li>
 *   <li>reaction: the watchdog looks every {@link #tick()}, so it may see a deadline a tick late,
 *       and needs up to another tick to signal the attempt: two ticks;</li>
 *   <li>stopping: a stopped command gets its kill grace between TERM and KILL; the stop starts
 *       that much earlier, but at most a third of the lease ({@link #stopBudget}).</li>
 * </ul>
 * So the attempt is stopped at {@code sent + lease - margin - stopBudget}, with
 * {@code margin = ceil(lease * CLOCK_RATE) + 2 * tick}. For a 30 s lease: margin 300 ms + 200 ms;
 * with the default kill grace of 5 s, an attempt whose renewals fail is stopped 24.5 s after the
 * last confirmed one was sent, and its process tree is gone by 29.6 s, before any other worker can
 * claim the item.
 */
final class LeaseFence {
    /** The allowance for the worker's clock running slower than the database's. */
    static final double CLOCK_RATE = 0.01;
    /** The longest watchdog tick. */
    static final Duration MAX_TICK = Duration.ofMillis(100);

    private final long leaseNanos;
    private final long tickNanos;

    LeaseFence(Duration lease) {
        this.leaseNanos = lease.toNanos();
        this.tickNanos = Math.min(MAX_TICK.toNanos(), leaseNanos / 30);
    }

    /** How often the watchdog looks at the leases: a thirtieth of the lease, at most {@link #MAX_TICK}. */
    Duration tick() {
        return Duration.ofNanos(tickNanos);
    }

    /** What is taken off the lease for clock rate and reaction time (not counting the stop). */
    long marginNanos() {
        return (long) Math.ceil(leaseNanos * CLOCK_RATE) + 2 * tickNanos;
    }

    /** How long before the deadline the stop starts: the kill grace, at most a third of the lease. */
    long stopBudget(Duration killGrace) {
        return Math.min(killGrace.toNanos(), leaseNanos / 3);
    }

    /**
     * When the attempt under a lease last confirmed at {@code sentNanos} must be stopped (and an
     * item not started yet must not start).
     */
    long deadline(long sentNanos, Duration killGrace) {
        return sentNanos + leaseNanos - marginNanos() - stopBudget(killGrace);
    }

    /** Whether, at {@code nowNanos}, the lease last confirmed at {@code sentNanos} may soon have expired. */
    boolean passed(long sentNanos, Duration killGrace, long nowNanos) {
        return nowNanos - deadline(sentNanos, killGrace) >= 0;
    }

    /**
     * Whether the gap between two watchdog ticks shows the worker was paused (SIGSTOP, a frozen
     * VM, a long garbage collection): longer than a tick and a tenth of the lease.
     */
    boolean pausedBetween(long previousTick, long tick) {
        return tick - previousTick > tickNanos + leaseNanos / 10;
    }
}
