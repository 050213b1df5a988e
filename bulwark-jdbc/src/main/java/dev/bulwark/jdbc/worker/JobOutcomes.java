package dev.bulwark.jdbc.worker;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.EngineEvent;
import dev.bulwark.ItemStatus;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.internal.OutcomeEvents;
import dev.bulwark.internal.OutcomePolicy;
import dev.bulwark.jdbc.WorkQueue;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
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

    private final WorkQueue queue;
    private final WorkerOptions options;
    private final WorkerStats stats;
    private final ScheduledExecutorService chores;
    private final Set<Long> touchedJobs = ConcurrentHashMap.newKeySet();

    JobOutcomes(WorkQueue queue, WorkerOptions options, WorkerStats stats, ScheduledExecutorService chores) {
        this.queue = queue;
        this.options = options;
        this.stats = stats;
        this.chores = chores;
    }

    /** After the ledger committed an outcome: count it, keep its event, and act on what it means for the job. */
    void recorded(Leased r, OutcomePolicy.Decision d, Attempt a) {
        AttemptOutcome outcome = a.outcome();
        if (outcome != AttemptOutcome.SUCCEEDED) {
            keepEvent(r, d, a);
        }
        if (outcome == AttemptOutcome.INTERRUPTED) {
            stats.interrupted.incrementAndGet();
        } else if (outcome == AttemptOutcome.SUCCEEDED) {
            stats.succeeded.incrementAndGet();
        } else if (d.next() == ItemStatus.RETRY_WAIT) {
            stats.retried.incrementAndGet();
            // Wake the idle workers when the retry is due (they poll too, should this worker be gone by then).
            scheduleChore(queue::notifyWorkers, Math.max(0, Duration.between(a.finishedAt(), d.nextAttemptAt()).toMillis()));
        } else {
            stats.failed.incrementAndGet();
        }
        if (d.next().isFinal()) {
            touchedJobs.add(r.lease.jobPk());
        }
        if (r.transition != null) {
            breakerChanged(r, r.transition);
        }
        if (d.critical()) {
            scheduleChore(() -> halt(r, "critical error on item " + a.seq() + " (" + r.lease.item().key() + "): "
                    + a.category() + (a.message() == null ? "" : " " + a.message())), 0);
        } else if (d.next() == ItemStatus.FAILED && r.config().failureThreshold() != null) {
            scheduleChore(() -> checkThreshold(r), 0);
        }
    }

    /** The event the engine keeps for an attempt that did not succeed (successes live in the attempts table). */
    private void keepEvent(Leased r, OutcomePolicy.Decision d, Attempt a) {
        keep(OutcomeEvents.of(r.item(), d, a, a.finishedAt(), options.name()), 1);
    }

    /** Appends an event; a write lost with its connection is tried again a few times. */
    private void keep(EngineEvent event, int tries) {
        queue.ledger().appendEvent(event).exceptionally(e -> {
            if (tries < EVENT_TRIES) {
                scheduleChore(() -> keep(event, tries + 1), EVENT_RETRY.toMillis());
            } else {
                LOG.warn("worker {}: cannot keep the event of item {}: {}", options.name(), event.seq(), e.getMessage());
            }
            return null;
        });
    }

    /** A shared breaker changed state with an outcome this worker recorded (its event is in the ledger already). */
    private void breakerChanged(Leased r, CircuitBreaker.Transition t) {
        if (t.to() != CircuitBreaker.State.OPEN) {
            LOG.info("worker {}: breaker of scope {} in job {} is {}: {}", options.name(), t.scope(), r.lease.jobId(),
                    t.to(), t.reason());
            return;
        }
        LOG.warn("worker {}: breaker of scope {} in job {} opened until {}: {}", options.name(), t.scope(),
                r.lease.jobId(), t.openUntil(), t.reason());
        if (r.config().breaker().onOpen() == BreakerConfig.OnOpen.HALT) {
            scheduleChore(() -> halt(r, "breaker-open: the breaker of scope " + t.scope() + " opened (" + t.reason() + ")"), 0);
        } else {
            // Wake the idle workers when the trial is due (they poll too, should this worker be gone by then).
            scheduleChore(queue::notifyWorkers, Math.max(0, Duration.between(t.at(), t.openUntil()).toMillis()));
        }
    }

    private void checkThreshold(Leased r) {
        long limit = r.config().failureThreshold().limitFor(r.job.job().total());
        long failed = queue.failedCount(r.lease.jobPk());
        if (failed >= limit) {
            halt(r, "max-failures: " + failed + " item(s) failed, the limit is " + r.config().failureThreshold()
                    + " (" + limit + " item(s))");
        }
    }

    private void halt(Leased r, String reason) {
        if (queue.halt(r.lease.jobId(), reason)) {
            LOG.warn("worker {}: halted job {}: {}", options.name(), r.lease.jobId(), reason);
        }
    }

    /** Ends the jobs whose last items this worker recorded, if nothing is left in them. */
    void finishTouchedJobs() {
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

    private void scheduleChore(Runnable chore, long delayMs) {
        try {
            chores.schedule(() -> {
                try {
                    chore.run();
                } catch (RuntimeException e) {
                    LOG.warn("worker {}: {}", options.name(), e.getMessage());
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("worker stopped: chore dropped", e);
        }
    }
}
