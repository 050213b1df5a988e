package dev.bulwark;

/** Why a running attempt was asked to stop. */
public enum StopReason {
    /** The attempt ran past its timeout: a transient failure with category {@code timeout}. */
    TIMEOUT,
    /** The job is being paused (SIGINT, SIGTERM, pause): recorded as interrupted, the item runs again on resume. */
    PAUSE,
    /** The job was cancelled: recorded as interrupted, the item is SKIPPED. */
    CANCEL,
    /** The job was halted (failure threshold, critical error): recorded as interrupted, the item is SKIPPED. */
    HALT
}
