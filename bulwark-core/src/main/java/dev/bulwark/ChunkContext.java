package dev.bulwark;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What a {@link ContextualChunkHandler} knows about the chunk it processes: the job and, for each
 * item of the chunk (same order as the items), its idempotency key ({@code JOB:SEQ}, stable across
 * retries and restarts) and sequence number.
 *
 * @param jobId           the job the chunk belongs to
 * @param sequences       the items' sequence numbers, in the chunk's order (ascending)
 * @param idempotencyKeys the items' idempotency keys, in the chunk's order
 */
public record ChunkContext(UUID jobId, List<Long> sequences, List<String> idempotencyKeys) {
    public ChunkContext {
        Objects.requireNonNull(jobId, "jobId");
        sequences = List.copyOf(sequences);
        idempotencyKeys = List.copyOf(idempotencyKeys);
        if (sequences.size() != idempotencyKeys.size()) {
            throw new IllegalArgumentException("sequences (" + sequences.size() + ") and idempotency keys ("
                    + idempotencyKeys.size() + ") differ in number");
        }
    }

    /** The number of items in the chunk. */
    public int size() {
        return sequences.size();
    }

    /** The idempotency key of the chunk's item at {@code index}. */
    public String idempotencyKey(int index) {
        return idempotencyKeys.get(index);
    }
}
