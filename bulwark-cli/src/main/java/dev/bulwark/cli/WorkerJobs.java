package dev.bulwark.cli;

import dev.bulwark.Job;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.jdbc.worker.WorkerJobControl;
import java.io.PrintWriter;
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
        return requeued(WorkerJobControl.resume(queue, job), out);
    }

    /** Hands a finished job's failed (and, for a halted one, skipped) items back to the workers, each with a fresh budget. */
    static int retryFailed(WorkQueue queue, Job job, PrintWriter out) {
        return requeued(WorkerJobControl.retryFailed(queue, job), out);
    }

    /** Hands some failed or skipped items of a finished job back to the workers, each with a fresh budget. */
    static int retryItems(WorkQueue queue, Job job, java.util.List<Long> seqs, PrintWriter out) {
        return requeued(WorkerJobControl.retryItems(queue, job, seqs), out);
    }

    private static int requeued(Job queued, PrintWriter out) {
        out.println("job " + queued.id() + " " + queued.status() + " for the workers");
        out.flush();
        return ExitCodes.COMPLETED;
    }

    /** Pauses a job run by workers (see {@link WorkerJobControl#pause}); {@code resume} hands it back to them. */
    static int pause(WorkQueue queue, Job job, PrintWriter out) {
        Job paused = WorkerJobControl.pause(queue, job, "paused by bulwark pause");
        out.println("job " + paused.id() + " " + paused.status() + "; its running attempts stop and are recorded as "
                + "interrupted; resume it with: bulwark resume --store URL " + paused.id());
        out.flush();
        return ExitCodes.COMPLETED;
    }

    /** Cancels a job run by workers (see {@link WorkerJobControl#cancel}). */
    static int cancel(WorkQueue queue, Job job, PrintWriter out) {
        Job cancelled = WorkerJobControl.cancel(queue, job, "cancelled by bulwark cancel");
        out.println("job " + cancelled.id() + " " + cancelled.status());
        out.flush();
        return ExitCodes.COMPLETED;
    }
}
