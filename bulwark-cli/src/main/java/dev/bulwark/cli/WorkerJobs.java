package dev.bulwark.cli;

import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.function.BiFunction;

/**
 * What {@code resume}, {@code retry-failed}, {@code cancel} and {@code pause} do with {@code --store}
 * to a job that workers run: they change it in the shared ledger, and the workers follow.
 */
final class WorkerJobs {
    private WorkerJobs() {
    }

    /**
     * If {@code --store} names a PostgreSQL ledger and the job is run by workers, applies
     * {@code action} to it and returns the exit code; otherwise returns null (the caller goes on as
     * for a job run by one process).
     */
    static Integer ifWorkerJob(HomeOptions options, String jobRef, BiFunction<WorkQueue, Job, Integer> action) {
        Store store = options.store();
        if (store == null || !store.postgres()) {
            return null;
        }
        try (PostgresLedger ledger = store.openPostgres()) {
            WorkQueue queue = new WorkQueue(ledger);
            Job job = Views.resolve(ledger, jobRef);
            return queue.isWorkerJob(job.id()) ? action.apply(queue, job) : null;
        }
    }

    /** Hands a halted job's skipped items back to the workers. */
    static int resume(WorkQueue queue, Job job, PrintWriter out) {
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
        return requeued(queue, job, out);
    }

    /** Hands a finished job's failed (and, for a halted one, skipped) items back to the workers, each with a fresh budget. */
    static int retryFailed(WorkQueue queue, Job job, PrintWriter out) {
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
        return requeued(queue, job, out);
    }

    private static int requeued(WorkQueue queue, Job job, PrintWriter out) {
        Job queued = queue.ledger().transition(job.id(), JobStatus.QUEUED, null, queue.ledger().databaseNow());
        queue.notifyWorkers();
        out.println("job " + queued.id() + " " + queued.status() + " for the workers");
        out.flush();
        return ExitCodes.COMPLETED;
    }

    /**
     * Cancels a job run by workers: it becomes CANCELLED first (no worker claims from it any more),
     * then its running items are recorded as interrupted (their workers find their leases lost and
     * stop them) and every item without an outcome is SKIPPED.
     */
    static int cancel(WorkQueue queue, Job job, PrintWriter out) {
        PostgresLedger ledger = queue.ledger();
        if (job.status().isFinal()) {
            throw new ValidationException("job " + job.id() + " is already " + job.status());
        }
        Instant now = ledger.databaseNow();
        Job cancelled = ledger.transition(job.id(), JobStatus.CANCELLED, "cancelled by bulwark cancel", now);
        ledger.recoverInterrupted(job.id(), now, "cancel");
        ledger.skipRemaining(job.id(), now);
        out.println("job " + cancelled.id() + " " + cancelled.status());
        out.flush();
        return ExitCodes.COMPLETED;
    }
}
