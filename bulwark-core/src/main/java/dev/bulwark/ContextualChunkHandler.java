package dev.bulwark;

import java.util.List;

/**
 * A {@link ChunkHandler} that also gets the chunk's {@link ChunkContext} (the job id, and each
 * item's idempotency key, to make a chunk's effects idempotent). Same rules as {@link ChunkHandler}:
 * thread-safe, all-or-nothing per call, isolated one item at a time when it throws.
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface ContextualChunkHandler<T> {

    /** Processes {@code items}; {@code context} describes them in the same order. */
    void handle(List<T> items, ChunkContext context) throws Exception;
}
