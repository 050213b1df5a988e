package dev.bulwark.cli;

import dev.bulwark.BulwarkException;
import dev.bulwark.Job;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.SqliteLedger;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Cancel and pause from another terminal. When no process holds the home, the request is carried
 * out on the ledger directly; otherwise it is left in {@code control/} for the process that holds
 * the home, and we wait until that process has served it.
 */
final class ControlRequest {
    private static final long POLL_MS = 50;

    private ControlRequest() {
    }

    static int send(Home home, String jobRef, Home.Request request, Duration wait, PrintWriter out, PrintWriter err) {
        home.requireLedger();
        Optional<Home.Lock> lock = home.tryLock();
        if (lock.isPresent()) {
            try (Home.Lock held = lock.get(); SqliteLedger ledger = home.openWriter(held)) {
                Job job = Views.resolve(ledger, jobRef);
                if (request == Home.Request.PAUSE) {
                    throw new ValidationException("job " + job.id() + " is " + job.status()
                            + " and no process runs it: nothing to pause");
                }
                try (var engine = dev.bulwark.Engine.builder().ledger(ledger).worker("cancel").build()) {
                    Job cancelled = engine.cancel(job.id(), "cancelled by bulwark cancel");
                    out.println("job " + cancelled.id() + " " + cancelled.status());
                    return ExitCodes.COMPLETED;
                }
            }
        }
        UUID jobId;
        try (SqliteLedger reader = home.openReader()) {
            Job job = Views.resolve(reader, jobRef);
            if (job.status().isFinal()) {
                throw new ValidationException("job " + job.id() + " is already " + job.status());
            }
            jobId = job.id();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        if (!leaveAndAwait(home, jobId, request, "requested by pid " + ProcessHandle.current().pid() + "\n", deadline, err)) {
            return ExitCodes.UNAVAILABLE;
        }
        // Served: the running process stops the job; wait until the ledger shows where it ended.
        try (SqliteLedger reader = home.openReader()) {
            Job job = reader.findJob(jobId).orElseThrow();
            while (job.status() == dev.bulwark.JobStatus.RUNNING && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                job = reader.findJob(jobId).orElseThrow();
            }
            out.println("job " + job.id() + " " + job.status() + (job.status() == dev.bulwark.JobStatus.RUNNING
                    ? " (the request was taken; its running attempts are still stopping)" : ""));
        }
        return ExitCodes.COMPLETED;
    }

    /**
     * Leaves a request for the process that holds the home and waits until it was taken. Returns
     * false (after saying so) when it was not taken by {@code deadline}.
     */
    static boolean leaveAndAwait(Home home, UUID jobId, Home.Request request, String content, long deadline, PrintWriter err) {
        Path file = home.controlFile(jobId, request);
        try {
            Files.writeString(file, content, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BulwarkException("cannot leave the " + request.name().toLowerCase(java.util.Locale.ROOT)
                    + " request in " + file + ": " + Home.describe(e), e);
        }
        while (Files.exists(file) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MS); // waiting on another process: there is nothing to be notified by
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (Files.exists(file)) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the process that holds the home removes stale requests when it next runs the job
            }
            err.println("bulwark: the process that holds " + home.dir() + " did not take the request within the wait; "
                    + "it may be stuck or not running job " + jobId);
            err.flush();
            return false;
        }
        return true;
    }
}
