package dev.bulwark.cli;

import dev.bulwark.JobStatus;

/** The documented exit codes of every {@code bulwark} command (see docs/cli.md). */
public final class ExitCodes {
    /** Every item succeeded (or the command did what it was asked). */
    public static final int COMPLETED = 0;
    /** The job finished, but some items failed or were skipped. */
    public static final int PARTIAL = 1;
    /** The job failed: halted (critical error, failure threshold) or every item failed. */
    public static final int FAILED = 2;
    /** The job was cancelled. */
    public static final int CANCELLED = 3;
    /** The job was paused (SIGINT, SIGTERM, {@code bulwark pause}); {@code bulwark resume} goes on. */
    public static final int PAUSED = 4;
    /** The home is in use by another process, or the ledger cannot be read or written. */
    public static final int UNAVAILABLE = 5;
    /** Bad command line, option value or input: nothing ran. */
    public static final int USAGE = 64;
    /** An unexpected internal error (a bug: please report it with the message). */
    public static final int INTERNAL = 70;

    private ExitCodes() {
    }

    /** The exit code for a job that ended (or stopped) in {@code status}. */
    public static int of(JobStatus status) {
        return switch (status) {
            case COMPLETED -> COMPLETED;
            case PARTIAL -> PARTIAL;
            case FAILED -> FAILED;
            case CANCELLED -> CANCELLED;
            case PAUSED, QUEUED, RUNNING -> PAUSED;
        };
    }
}
