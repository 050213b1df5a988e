package dev.bulwark;

/** How a failed attempt is treated. */
public enum ErrorClass {
    /** May succeed later (timeouts, connection errors, most non-zero exits): retried with backoff. */
    TRANSIENT,
    /** Will not succeed by retrying (bad input): not retried, the item goes to the review queue. */
    PERMANENT,
    /** The whole job must stop (wrong configuration or credentials). */
    CRITICAL
}
