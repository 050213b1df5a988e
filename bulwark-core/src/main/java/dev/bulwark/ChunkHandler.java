package dev.bulwark;

import java.util.List;

/**
 * Processes a chunk of items at once (one database batch insert, one bulk request). When it
 * throws, the items of the chunk are handed to it again one at a time, each in a list of one, so
 * the bad ones are isolated: each item gets its own outcome and its own retries in the ledger.
 * A {@link CriticalException} (or any critical error) stops the job and is named on the item
 * that causes it: the items run again one at a time, in sequence order, until one throws it; the
 * items after that one are not run and end SKIPPED. {@link ContextualChunkHandler} also gets the
 * job id and each item's idempotency key.
 *
 * <p>Several chunks may run at once (the batch's concurrency): implementations must be
 * thread-safe. A chunk is all-or-nothing for the handler to make so (one transaction), since
 * items of a failed chunk are tried again.
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface ChunkHandler<T> {

    void handle(List<T> items) throws Exception;
}
