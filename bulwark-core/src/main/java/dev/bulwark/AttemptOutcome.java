package dev.bulwark;

/** What became of one attempt. */
public enum AttemptOutcome {
    SUCCEEDED,
    FAILED,
    /** Stopped from outside (pause, cancel, halt, crash) before the handler finished; never counts toward the retry limit. */
    INTERRUPTED,
    /** A compensation (rollback) of a succeeded item that succeeded: the item is COMPENSATED. */
    COMPENSATED,
    /** A compensation that failed: the item stays SUCCEEDED and the failure is recorded. */
    COMPENSATION_FAILED
}
