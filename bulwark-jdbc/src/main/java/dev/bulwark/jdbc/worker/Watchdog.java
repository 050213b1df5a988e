package dev.bulwark.jdbc.worker;

import dev.bulwark.StopReason;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's self-fencing watchdog, on a thread of its own every {@link LeaseFence#tick()}: stops
 * the attempts whose lease may have expired by the database's clock ({@link LeaseFence}), so that
 * none goes on while another worker may run its item. Nothing is recorded for a fenced attempt
 * ({@link LeaseClaims}); an item claimed but not started is not started. A gap between two ticks
 * much longer than a tick means the worker was paused (SIGSTOP, a frozen VM): this is then the
 * first thing to look at the leases, and a renewal is asked for at once for those still safe.
 */
final class Watchdog implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    private final WorkerContext ctx;
    private final LeaseFence fence;
    private final LeaseClaims claims;
    private final Runnable renewSoon;
    private long lastTick;
    private boolean ticked;

    /** @param renewSoon asks the heartbeat for a renewal now (after a pause) */
    Watchdog(WorkerContext ctx, LeaseFence fence, LeaseClaims claims, Runnable renewSoon) {
        this.ctx = ctx;
        this.fence = fence;
        this.claims = claims;
        this.renewSoon = renewSoon;
    }

    @Override
    public void run() {
        try {
            long now = ctx.ticker().getAsLong();
            boolean paused = ticked && fence.pausedBetween(lastTick, now);
            if (paused) {
                LOG.warn("worker {}: resumed after a pause of {} ms (SIGSTOP, a frozen machine?): checking its leases first",
                        ctx.options().name(), Duration.ofNanos(now - lastTick).toMillis());
            }
            lastTick = now;
            ticked = true;
            fenceExpired(now);
            if (paused) {
                renewSoon.run();
            }
        } catch (RuntimeException e) {
            LOG.error("worker {}: the lease watchdog failed", ctx.options().name(), e);
        }
    }

    /** Stops every held attempt whose lease may have expired at {@code now}. */
    private void fenceExpired(long now) {
        for (Leased r : List.copyOf(claims.held())) {
            if (!r.ended() && claims.fenced(r, now)) {
                // Again on every tick: an attempt fenced while it was being launched sees the stop now.
                r.stop(StopReason.PAUSE);
            }
        }
    }
}
