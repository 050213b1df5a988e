package dev.bulwark.ledger;

/**
 * An item about to be added to a job.
 *
 * @param seq     1-based position in the job, assigned by the caller in increasing order
 * @param key     what the handler works on
 * @param payload optional JSON object, or null
 * @param scope   breaker scope, or null
 * @param orderKey order scope ({@link dev.bulwark.JobConfig#orderedBy()}), or null: the item waits until every
 *                 earlier item with the same order scope has its final outcome
 */
public record NewItem(long seq, String key, String payload, String scope, String orderKey) {

    /** An item without an order scope. */
    public NewItem(long seq, String key, String payload, String scope) {
        this(seq, key, payload, scope, null);
    }
}
