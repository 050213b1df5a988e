package dev.bulwark.ledger;

/**
 * An item about to be added to a job.
 *
 * @param seq     1-based position in the job, assigned by the caller in increasing order
 * @param key     what the handler works on
 * @param payload optional JSON object, or null
 * @param scope   breaker scope, or null
 */
public record NewItem(long seq, String key, String payload, String scope) {
}
