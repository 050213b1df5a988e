package dev.bulwark;

/**
 * How a job stops when it is halted (a breaker in {@code halt} mode, a job timeout, too many
 * failures, {@code --stop-on-first-failure}). A critical error always stops at once.
 */
public enum HaltMode {
    /** Running attempts are stopped at once and recorded as interrupted; their items are SKIPPED. */
    NOW,
    /** No new attempt starts; running attempts finish and keep their outcome. */
    SOON
}
