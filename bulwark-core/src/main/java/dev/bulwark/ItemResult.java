package dev.bulwark;

/**
 * The typed result a handler returned for one item, read back from the ledger by
 * {@link BatchResult#results(Class)}.
 *
 * @param item  the item as the ledger holds it (SUCCEEDED, or COMPENSATED after a rollback)
 * @param value the handler's result, decoded from {@link Item#result()}
 * @param <R>   the result type
 */
public record ItemResult<R>(Item item, R value) {

    /** The item's position in the batch. */
    public long seq() {
        return item.seq();
    }

    /** The item's key. */
    public String key() {
        return item.key();
    }
}
