package dev.bulwark;

/** What became of one attempt. */
public enum AttemptOutcome {
    SUCCEEDED,
    FAILED,
    /** Stopped from outside (pause, cancel, halt, crash) before the handler finished; never counts toward the retry limit. */
    INTERRUPTED
}
