package dev.bulwark.jdbc.worker;

import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import java.time.Instant;

/**
 * What may be done to a job that workers run, in the shared ledger (the workers follow): pause,
 * resume, cancel and retry-failed. Workers honour every policy of a job, as a run does. Used by the command line
 * ({@code --store}) and by {@code bulwark serve --store}.
 */
public final class WorkerJobControl {
    private WorkerJobControl() {
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

    /**
     * Pauses a job run by workers (see {@link WorkQueue#pause}): no worker claims from it, and its
     * running attempts are stopped and recorded as interrupted. Returns the job, PAUSED.
     */
    public static Job pause(WorkQueue queue, Job job, String reason) {
        if (job.status() != JobStatus.QUEUED && job.status() != JobStatus.RUNNING) {
            throw new ValidationException("job " + job.id() + " is " + job.status() + ": only a queued or running job can be paused");
        }
        return queue.pause(job.id(), reason);
    }

    /**
     * Hands a paused job, or a halted job's skipped items, back to the workers; returns the job,
     * QUEUED.
     */
    public static Job resume(WorkQueue queue, Job job) {
        PostgresLedger ledger = queue.ledger();
        if (job.status() == JobStatus.PAUSED) {
            return requeued(queue, job);
        }
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
        return queue.requeue(job.id());
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
