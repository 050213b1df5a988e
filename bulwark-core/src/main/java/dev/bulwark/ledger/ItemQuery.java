package dev.bulwark.ledger;

import dev.bulwark.ItemStatus;
import java.util.Set;

/**
 * A page of a job's items in sequence order.
 *
 * @param statuses only these statuses, or empty for all
 * @param afterSeq only items with a larger sequence number (0 for the first page)
 * @param limit    at most this many items
 */
public record ItemQuery(Set<ItemStatus> statuses, long afterSeq, int limit) {

    public ItemQuery {
        statuses = statuses == null ? Set.of() : Set.copyOf(statuses);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, but was " + limit);
        }
    }

    public static ItemQuery all(int limit) {
        return new ItemQuery(Set.of(), 0, limit);
    }
}
