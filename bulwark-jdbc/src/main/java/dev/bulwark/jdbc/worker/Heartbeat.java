package dev.bulwark.jdbc.worker;

import dev.bulwark.StopReason;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.jdbc.WorkQueue.Lease;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's heartbeat, every third of its lease, on a thread and a connection pool of its own
 * (a slow claim or completion never delays it, and its statements time out within the period):
 * renews the leases it holds, notes when each renewal was sent for self-fencing ({@link LeaseFence}),
 * and stops the attempts whose lease was lost. Its chores, on the worker's chores thread: take back
 * expired leases of any worker, and end jobs that have nothing left to run (a worker that would
 * have ended them died).
 */
final class Heartbeat implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);
    /** Expired leases taken back per heartbeat. */
    private static final int RECLAIM_LIMIT = 1_000;

    private final WorkerContext ctx;
    private final WorkQueue renewals;
    private final LeaseClaims claims;
    private final AtomicBoolean pendingRenewal = new AtomicBoolean();

    /** @param renewals the queue whose connections renew leases (a pool of their own) */
    Heartbeat(WorkerContext ctx, WorkQueue renewals, LeaseClaims claims) {
        this.ctx = ctx;
        this.renewals = renewals;
        this.claims = claims;
    }

    /** The heartbeat proper: renews the leases held. */
    @Override
    public void run() {
        try {
            renewLeases();
        } catch (RuntimeException e) {
            LOG.warn("worker {}: heartbeat failed: {}", ctx.options().name(), e.getMessage());
        }
    }

    /** Takes back expired leases of any worker, and ends the jobs that have nothing left to run. */
    void chores() {
        try {
            WorkQueue.Reclaimed reclaimed = ctx.queue().reclaim(ctx.options().name(), ctx.options().maxStalls(), RECLAIM_LIMIT);
            ctx.stats().reclaimed.addAndGet(reclaimed.interrupted());
            ctx.stats().stalled.addAndGet(reclaimed.stalled());
            if (reclaimed.total() > 0) {
                LOG.info("worker {}: took back {} expired lease(s), {} item(s) failed as stalled", ctx.options().name(),
                        reclaimed.total(), reclaimed.stalled());
            }
            ctx.stats().jobsFinished.addAndGet(ctx.queue().finishAllDone().size());
        } catch (RuntimeException e) {
            LOG.warn("worker {}: cannot take back expired leases: {}", ctx.options().name(), e.getMessage());
        }
    }

    /**
     * Renews the leases held, stops the attempts whose lease was lost, and those of jobs that
     * were paused. Also run at once when the workers are notified (a pause, a cancel, a halt).
     */
    void renewLeases() {
        pendingRenewal.set(false);
        // A fenced attempt's lease is left to expire: nothing will be recorded for it.
        List<Leased> running = claims.held().stream().filter(r -> !r.fenced).toList();
        List<Lease> leases = running.stream().map(r -> r.lease).toList();
        long sent = ctx.ticker().getAsLong();
        Set<Long> renewed = renewals.renew(leases, ctx.options().lease());
        for (Leased r : running) {
            if (renewed.contains(r.lease.fence())) {
                r.confirmedNanos = Math.max(r.confirmedNanos, sent);
            }
        }
        for (Leased r : running) {
            // An attempt that ended may have had its outcome committed since: not renewed, but not lost.
            if (!renewed.contains(r.lease.fence()) && !r.ended() && claims.holds(r) && !r.leaseLost) {
                r.leaseLost = true;
                ctx.stats().leasesLost.incrementAndGet();
                LOG.warn("worker {}: lost the lease of item {} of job {}: stopping its attempt", ctx.options().name(),
                        r.lease.item().seq(), r.lease.jobId());
                r.stop(StopReason.PAUSE);
            }
        }
        Set<Long> jobs = new HashSet<>();
        running.forEach(r -> jobs.add(r.lease.jobPk()));
        Set<Long> paused = renewals.paused(jobs);
        for (Leased r : running) {
            if (paused.contains(r.lease.jobPk()) && !r.ended()) {
                r.stop(StopReason.PAUSE);
            }
        }
    }

    /** Asks for a renewal soon, on the heartbeat thread; asks made before it runs count once. */
    void renewSoon(ScheduledExecutorService beats) {
        if (pendingRenewal.compareAndSet(false, true)) {
            try {
                beats.execute(() -> {
                    try {
                        renewLeases();
                    } catch (RuntimeException e) {
                        LOG.warn("worker {}: cannot renew leases: {}", ctx.options().name(), e.getMessage());
                    }
                });
            } catch (RejectedExecutionException e) {
                LOG.debug("worker stopped: renewal dropped", e);
            }
        }
    }
}
