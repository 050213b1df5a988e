package dev.bulwark;

/**
 * Processes one item. The engine calls it once per attempt, possibly on many threads at once
 * (one per concurrency slot), so implementations must be thread-safe.
 *
 * <p>Any attempt may run again after a crash if its outcome was not yet recorded: use
 * {@link AttemptContext#idempotencyKey()} to make effects idempotent.
 *
 * <p>A failure is not an exception for the engine: return {@link AttemptResult#failure}, or throw
 * {@link TransientException}, {@link PermanentException} or {@link CriticalException}; any other
 * exception counts as transient with category {@code exception}.
 */
@FunctionalInterface
public interface ItemHandler {

    AttemptResult handle(AttemptContext context) throws Exception;
}
