package dev.bulwark.jdbc.worker;

import dev.bulwark.HaltMode;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import java.time.Instant;

/**
 * What may be done to a job that workers run, in the shared ledger (the workers follow): the
 * policies workers support, cancel, resume and retry-failed. Used by the command line
 * ({@code --store}) and by {@code bulwark serve --store}.
 */
public final class WorkerJobControl {
    private WorkerJobControl() {
    }

    /**
     * The first policy of {@code config} that workers do not apply yet, named as its setting
     * ({@code job-timeout}, {@code ordered}, …), or null when workers can run the job as
     * configured.
     */
    public static String unsupportedPolicy(JobConfig config) {
        if (config.ordered()) {
            return "ordered";
        }
        if (config.jobBudget(0) != null) {
            return "job-timeout";
        }
        if (config.stopOnFirstFailure()) {
            return "stop-on-first-failure";
        }
        if (config.rollback()) {
            return "on-critical rollback";
        }
        if (config.halt() != HaltMode.NOW) {
            return "halt soon";
        }
        // the items an open breaker fails in fail mode are failed by a claim, which does not look at max-failures
        if (config.breaker() != null && config.failureThreshold() != null && config.breaker().onOpen() == BreakerConfig.OnOpen.FAIL) {
            return "on-open fail together with max-failures";
        }
        return null;
    }

    /**
     * The handler of a job submitted from the command line or the service: its frozen command.
     * A job submitted through the Java API with a handler of its own cannot run on a worker.
     */
    public static ItemHandler commandHandler(Job job) {
        if (job.config().exec() == null) {
            throw new ValidationException("job " + job.id() + " was submitted through the Java API with its own handler");
        }
        return new ExecHandler(job.config().exec());
    }

    /** Hands a halted job's skipped items back to the workers; returns the job, QUEUED. */
    public static Job resume(WorkQueue queue, Job job) {
        PostgresLedger ledger = queue.ledger();
        if (!job.status().isFinal()) {
            throw new ValidationException("job " + job.id() + " is " + job.status() + " and run by workers: start a worker "
                    + "(bulwark worker --store URL) and it goes on");
        }
        if (job.status() != JobStatus.FAILED || ledger.counts(job.id()).skipped() == 0) {
            throw new ValidationException("job " + job.id() + " is " + job.status() + ": nothing to resume"
                    + (job.status() == JobStatus.CANCELLED ? "" : "; use retry-failed to run its failed items again"));
        }
        ledger.reopen(job.id(), ItemStatus.SKIPPED);
        return requeued(queue, job);
    }

    /**
     * Hands a finished job's failed (and, for a halted one, skipped) items back to the workers,
     * each with a fresh budget; returns the job, QUEUED.
     */
    public static Job retryFailed(WorkQueue queue, Job job) {
        PostgresLedger ledger = queue.ledger();
        if (job.status() != JobStatus.PARTIAL && job.status() != JobStatus.FAILED) {
            throw new ValidationException("job " + job.id() + " is " + job.status() + "; retry-failed works on PARTIAL or FAILED jobs");
        }
        long reopened = ledger.reopen(job.id(), ItemStatus.FAILED);
        if (job.status() == JobStatus.FAILED) {
            reopened += ledger.reopen(job.id(), ItemStatus.SKIPPED);
        }
        if (reopened == 0) {
            throw new ValidationException("job " + job.id() + " has no FAILED items to retry");
        }
        return requeued(queue, job);
    }

    /**
     * Hands some FAILED or SKIPPED items of a finished job back to the workers, each with a fresh
     * budget; returns the job, QUEUED. Nothing changes when one of them cannot be retried.
     */
    public static Job retryItems(WorkQueue queue, Job job, java.util.Collection<Long> seqs) {
        PostgresLedger ledger = queue.ledger();
        if (job.status() != JobStatus.PARTIAL && job.status() != JobStatus.FAILED) {
            throw new ValidationException("job " + job.id() + " is " + job.status() + ": single items can be retried once the "
                    + "job has ended PARTIAL or FAILED");
        }
        for (long seq : seqs) {
            ItemStatus status = ledger.findItem(job.id(), seq).map(dev.bulwark.Item::status)
                    .orElseThrow(() -> new dev.bulwark.NotFoundException("job " + job.id() + " has no item " + seq));
            if (status != ItemStatus.FAILED && status != ItemStatus.SKIPPED) {
                throw new ValidationException("item " + seq + " of job " + job.id() + " is " + status
                        + ": only a FAILED or SKIPPED item can be retried");
            }
        }
        seqs.forEach(seq -> ledger.reopenItem(job.id(), seq));
        return requeued(queue, job);
    }

    private static Job requeued(WorkQueue queue, Job job) {
        Job queued = queue.ledger().transition(job.id(), JobStatus.QUEUED, null, queue.ledger().databaseNow());
        queue.notifyWorkers();
        return queued;
    }

    /**
     * Cancels a job run by workers: it becomes CANCELLED first (no worker claims from it any more),
     * then its running items are recorded as interrupted (their workers find their leases lost and
     * stop them) and every item without an outcome is SKIPPED. Returns the job, CANCELLED.
     */
    public static Job cancel(WorkQueue queue, Job job, String reason) {
        PostgresLedger ledger = queue.ledger();
        if (job.status().isFinal()) {
            throw new ValidationException("job " + job.id() + " is already " + job.status());
        }
        Instant now = ledger.databaseNow();
        Job cancelled = ledger.transition(job.id(), JobStatus.CANCELLED, reason, now);
        ledger.recoverInterrupted(job.id(), now, "cancel");
        ledger.skipRemaining(job.id(), now);
        return cancelled;
    }
}
