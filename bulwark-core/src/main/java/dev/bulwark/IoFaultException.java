package dev.bulwark;

import java.util.UUID;

/**
 * Bulwark could not write a file of its own while a job ran — an item log, the event log, the
 * ledger — because the disk is full, a quota is reached, or the file system failed. That is not
 * the items' fault: the job was paused, every running attempt was recorded as interrupted (no
 * retry used), and nothing recorded is lost; resume it once the cause is fixed. The message names
 * the path and the system's reason.
 */
public final class IoFaultException extends BulwarkException {
    private final UUID jobId;

    public IoFaultException(UUID jobId, String message) {
        super(message);
        this.jobId = jobId;
    }

    /** The job that was paused. */
    public UUID jobId() {
        return jobId;
    }
}
