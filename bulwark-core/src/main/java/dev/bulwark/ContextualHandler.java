package dev.bulwark;

/**
 * Like {@link BatchHandler}, with the attempt's {@link ItemContext}: attempt number, idempotency
 * key, whether the engine asks to stop, and the item's log. Same thread-safety and idempotency rules.
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface ContextualHandler<T> {

    void handle(T item, ItemContext context) throws Exception;
}
