package dev.bulwark.jdbc.worker;

import dev.bulwark.Attempt;
import dev.bulwark.HaltMode;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.util.Durations;
import dev.bulwark.engine.Rollback;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.EngineEvent;
import dev.bulwark.EventLogger;
import dev.bulwark.ItemStatus;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.engine.OutcomeEvents;
import dev.bulwark.engine.OutcomePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an outcome a worker recorded means for its job, decided in the shared ledger: it is
 * counted and its event kept; a critical failure or the failure that reaches the job's budget
 * halts the job; a retry or a breaker's trial wakes the idle workers when due; a final outcome
 * makes the job a candidate for its end, which the ledger decides once.
 */
final class JobOutcomes {
    private static final Logger LOG = LoggerFactory.getLogger(JobOutcomes.class);

    /** Tries of an event the ledger could not append (its connection was lost), and the pause between them. */
    private static final int EVENT_TRIES = 5;
    private static final Duration EVENT_RETRY = Duration.ofMillis(200);
    /** How often a job whose open breakers fail items in the claim is looked at for its failure budget. */
    private static final Duration FAILURE_CHECK = Duration.ofMillis(500);
    /** How often a job with a time budget that has not started yet (or is paused) is looked at. */
    private static final Duration DEADLINE_RECHECK = Duration.ofSeconds(1);

    private final WorkerContext ctx;
    private final Set<Long> touchedJobs = ConcurrentHashMap.newKeySet();
    private final Set<Thread> rollbacks = ConcurrentHashMap.newKeySet();
    private final Runnable workArrived;

    JobOutcomes(WorkerContext ctx, Runnable workArrived) {
        this.ctx = ctx;
        this.workArrived = workArrived;
    }

    /** After the ledger committed an outcome: count it, keep its event, and act on what it means for the job. */
    void recorded(Leased r, OutcomePolicy.Decision d, Attempt a) {
        AttemptOutcome outcome = a.outcome();
        if (outcome != AttemptOutcome.SUCCEEDED) {
            keepEvent(r, d, a);
        }
        if (outcome == AttemptOutcome.INTERRUPTED) {
            ctx.stats().interrupted.incrementAndGet();
        } else if (outcome == AttemptOutcome.SUCCEEDED) {
            ctx.stats().succeeded.incrementAndGet();
        } else if (d.next() == ItemStatus.RETRY_WAIT) {
            ctx.stats().retried.incrementAndGet();
            // Wake the idle workers when the retry is due (they poll too, should this worker be gone by then).
            scheduleChore(ctx.queue()::notifyWorkers, Math.max(0, Duration.between(a.finishedAt(), d.nextAttemptAt()).toMillis()));
        } else {
            ctx.stats().failed.incrementAndGet();
        }
        if (d.next().isFinal()) {
            touchedJobs.add(r.lease.jobPk());
            if (r.config().ordered() || r.config().orderedBy() != null) {
                workArrived.run(); // the job's (or the scope's) next item is claimable now
            }
        }
        if (r.transition != null) {
            breakerChanged(r, r.transition);
        }
        if (d.critical()) {
            scheduleChore(() -> halt(r.job, "critical error on item " + a.seq() + " (" + r.lease.item().key() + "): "
                    + a.category() + (a.message() == null ? "" : " " + a.message()), true), 0);
        } else if (d.next() == ItemStatus.FAILED && (r.config().stopOnFirstFailure() || r.config().failureThreshold() != null)) {
            scheduleChore(() -> {
                if (ctx.queue().haltIfOverBudget(r.lease.jobPk())) {
                    LOG.warn("worker {}: halted job {}: its failure budget ran out", ctx.options().name(), r.lease.jobId());
                }
            }, 0);
        }
    }

    /**
     * Starts watching a job this worker just loaded: its time budget, and the failure budget of a
     * job whose open breakers fail items; {@code forget} drops the worker's copy of the job once it
     * ended (a resumed job is loaded anew).
     */
    void watch(Leased.WorkerJob job, Runnable forget) {
        JobConfig config = job.job().config();
        if (config.jobBudget(0) != null) {
            scheduleChore(() -> checkDeadline(job, forget), 0);
        }
        if (config.breaker() != null && config.breaker().onOpen() == BreakerConfig.OnOpen.FAIL
                && (config.failureThreshold() != null || config.stopOnFirstFailure())) {
            scheduleChore(() -> checkFailures(job), FAILURE_CHECK.toMillis());
        }
    }

    /**
     * The items an open breaker fails in a claim have no attempt, so no outcome of a worker's
     * looks at the job's failure budget for them: while the job runs, its workers look every
     * {@link #FAILURE_CHECK}, in the ledger.
     */
    private void checkFailures(Leased.WorkerJob watched) {
        if (ctx.queue().haltIfOverBudget(watched.pk())) {
            LOG.warn("worker {}: halted job {}: its failure budget ran out", ctx.options().name(), watched.job().id());
            return;
        }
        Job job = ctx.queue().ledger().findJob(watched.job().id()).orElse(null);
        if (job != null && !job.status().isFinal()) {
            scheduleChore(() -> checkFailures(watched), FAILURE_CHECK.toMillis());
        }
    }

    /**
     * Halts the job once its time budget, counted on the database clock from the start of its
     * latest run, has run out; until then looks again when it will have.
     */
    private void checkDeadline(Leased.WorkerJob watched, Runnable forget) {
        Job job = ctx.queue().ledger().findJob(watched.job().id()).orElse(null);
        if (job == null || job.status().isFinal()) {
            forget.run(); // gone or ended: a resumed job is loaded anew, and watched again, on its next claim
            return;
        }
        JobConfig config = job.config();
        if (job.status() != JobStatus.RUNNING || job.startedAt() == null) {
            scheduleChore(() -> checkDeadline(watched, forget), DEADLINE_RECHECK.toMillis());
            return;
        }
        Instant deadline = job.startedAt().plus(config.jobBudget(job.total()));
        Duration left = Duration.between(ctx.queue().ledger().databaseNow(), deadline);
        if (!left.isNegative() && !left.isZero()) {
            scheduleChore(() -> checkDeadline(watched, forget), Math.max(1, left.toMillis()));
            return;
        }
        String allowance = config.jobTimeoutPerItem() == null ? Durations.format(config.jobTimeout())
                : (config.jobTimeout() == null ? "" : Durations.format(config.jobTimeout()) + " + ")
                + Durations.format(config.jobTimeoutPerItem()) + " per item";
        halt(watched, "job-timeout: the job ran out of its time budget (" + allowance + ")", false);
    }

    /** The event the engine keeps for an attempt that did not succeed (successes live in the attempts table). */
    private void keepEvent(Leased r, OutcomePolicy.Decision d, Attempt a) {
        EngineEvent event = OutcomeEvents.of(r.item(), d, a, a.finishedAt(), ctx.options().name());
        EventLogger.log(event);
        keep(event, 1);
    }

    /** Appends an event; a write lost with its connection is tried again a few times. */
    private void keep(EngineEvent event, int tries) {
        ctx.queue().ledger().appendEvent(event).exceptionally(e -> {
            if (tries < EVENT_TRIES) {
                scheduleChore(() -> keep(event, tries + 1), EVENT_RETRY.toMillis());
            } else {
                LOG.warn("worker {}: cannot keep the event of item {}: {}", ctx.options().name(), event.seq(), e.getMessage());
            }
            return null;
        });
    }

    /** A shared breaker changed state with an outcome this worker recorded (its event is in the ledger already). */
    private void breakerChanged(Leased r, CircuitBreaker.Transition t) {
        if (t.to() != CircuitBreaker.State.OPEN) {
            LOG.info("worker {}: breaker of scope {} in job {} is {}: {}", ctx.options().name(), t.scope(), r.lease.jobId(),
                    t.to(), t.reason());
            return;
        }
        LOG.warn("worker {}: breaker of scope {} in job {} opened {}: {}", ctx.options().name(), t.scope(),
                r.lease.jobId(), dev.bulwark.breaker.BreakerState.describeUntil(t.openUntil()), t.reason());
        if (r.config().breaker().onOpen() == BreakerConfig.OnOpen.HALT) {
            scheduleChore(() -> halt(r.job, "breaker-open: the breaker of scope " + t.scope() + " opened (" + t.reason() + ")",
                    false), 0);
        } else if (!dev.bulwark.breaker.BreakerState.untilReset(t.openUntil())) {
            // Wake the idle workers when the trial is due (they poll too, should this worker be gone by then).
            scheduleChore(ctx.queue()::notifyWorkers, Math.max(0, Duration.between(t.at(), t.openUntil()).toMillis()));
        }
    }

    /**
     * Halts a job in the ledger: exactly one caller gets it. {@code critical}: a critical error,
     * which stops running attempts at once and rolls back if the job asks for it; otherwise the
     * job's halt mode decides (soon: running attempts finish).
     */
    private void halt(Leased.WorkerJob watched, String reason, boolean critical) {
        JobConfig config = watched.job().config();
        boolean drain = !critical && config.halt() == HaltMode.SOON;
        if (!ctx.queue().halt(watched.job().id(), reason, drain)) {
            return;
        }
        LOG.warn("worker {}: halted job {}: {}", ctx.options().name(), watched.job().id(), reason);
        if (critical && config.rollback()) {
            rollbacks.add(Thread.ofVirtual().name("bulwark-rollback-" + watched.job().id()).start(() -> rollBack(watched)));
        }
    }

    /** The one compensation pass of a job this worker halted for a critical error. */
    private void rollBack(Leased.WorkerJob watched) {
        Job job = watched.job();
        if (job.config().compensate() == null) {
            LOG.error("worker {}: job {}: rollback asked for, but there is no compensation command", ctx.options().name(), job.id());
            return;
        }
        try {
            String done = new Rollback(ctx.queue().ledger(), ctx.clock(), ctx.timers(), ctx.logFiles(), ctx.options().name(),
                    e -> ctx.queue().ledger().appendEvent(e)).run(job, new ExecHandler(job.config().compensate()));
            ctx.queue().ledger().flush();
            LOG.warn("worker {}: job {}: {}", ctx.options().name(), job.id(), done);
        } catch (RuntimeException e) {
            LOG.error("worker {}: job {}: the rollback stopped: {}", ctx.options().name(), job.id(), e.getMessage(), e);
        }
    }

    /** Waits for the rollbacks this worker runs, at most until {@code deadlineNanos}. */
    void awaitRollbacks(long deadlineNanos) {
        for (Thread t : List.copyOf(rollbacks)) {
            long left = deadlineNanos - System.nanoTime();
            try {
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    LOG.warn("worker {}: stopped before the rollback ({}) ended; its remaining items stay SUCCEEDED",
                            ctx.options().name(), t.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Ends the jobs whose last items this worker recorded, if nothing is left in them. */
    void finishTouchedJobs() {
        try {
            for (Long pk : List.copyOf(touchedJobs)) {
                touchedJobs.remove(pk);
                if (ctx.queue().finishIfDone(pk).isPresent()) {
                    ctx.stats().jobsFinished.incrementAndGet();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("worker {}: cannot end finished jobs: {}", ctx.options().name(), e.getMessage());
        }
    }

    private void scheduleChore(Runnable chore, long delayMs) {
        try {
            ctx.chores().schedule(() -> {
                try {
                    chore.run();
                } catch (RuntimeException e) {
                    LOG.warn("worker {}: {}", ctx.options().name(), e.getMessage());
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("worker stopped: chore dropped", e);
        }
    }
}
