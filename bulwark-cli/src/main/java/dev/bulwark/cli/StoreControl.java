package dev.bulwark.cli;

import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.PostgresLedger;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * {@code pause} and {@code cancel} with {@code --store} for a job that {@code bulwark run --store}
 * runs in a process somewhere: the request goes to that process as a
 * notification on the shared ledger ({@link PostgresLedger#requestControl}), sent again each
 * second until the ledger shows its effect or the wait is over.
 */
final class StoreControl {
    private static final long POLL_MS = 50;
    private static final long RESEND_MS = 1_000;

    private StoreControl() {
    }

    /** Sends a pause or cancel request and waits until the job is no longer RUNNING. */
    static int send(PostgresLedger ledger, String jobRef, Home.Request request, Duration wait, PrintWriter out, PrintWriter err) {
        Job job = Views.resolve(ledger, jobRef);
        if (job.status().isFinal()) {
            throw new ValidationException("job " + job.id() + " is already " + job.status());
        }
        if (job.status() != JobStatus.RUNNING) { // PAUSED or QUEUED: no process runs it
            ValidationException.require(request == Home.Request.CANCEL, "job " + job.id() + " is " + job.status()
                    + " and no process runs it: nothing to pause");
            try (var engine = dev.bulwark.Engine.builder().ledger(ledger).worker("cancel").build()) {
                Job cancelled = engine.cancel(job.id(), "cancelled by bulwark cancel");
                out.println("job " + cancelled.id() + " " + cancelled.status());
                out.flush();
                return ExitCodes.COMPLETED;
            }
        }
        Job seen = await(ledger, job, request, null, wait, request == Home.Request.PAUSE
                ? j -> j.status() != JobStatus.RUNNING : j -> j.status().isFinal());
        if (seen == null) {
            err.println("bulwark: no process took the " + request.name().toLowerCase(Locale.ROOT) + " request for job " + job.id()
                    + " within " + dev.bulwark.util.Durations.format(wait) + ": the process that ran it may have ended; "
                    + "bulwark resume --store URL " + job.id() + " goes on with it here");
            err.flush();
            return ExitCodes.UNAVAILABLE;
        }
        out.println("job " + seen.id() + " " + seen.status());
        out.flush();
        return ExitCodes.COMPLETED;
    }

    /**
     * Sends {@code request} for {@code job} (again each second) until {@code done} holds for the job
     * as the ledger shows it; returns that job, or null when the wait ran out.
     */
    static Job await(PostgresLedger ledger, Job job, Home.Request request, String content, Duration wait, Predicate<Job> done) {
        long deadline = System.nanoTime() + wait.toNanos();
        long nextSend = System.nanoTime();
        while (true) {
            if (System.nanoTime() - nextSend >= 0) {
                ledger.requestControl(job.id(), request.name(), content);
                nextSend = System.nanoTime() + RESEND_MS * 1_000_000;
            }
            Job now = ledger.findJob(job.id()).orElseThrow();
            if (done.test(now)) {
                return now;
            }
            if (System.nanoTime() - deadline >= 0) {
                return null;
            }
            try {
                Thread.sleep(POLL_MS); // waiting on another process: there is nothing to be notified by
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
