package dev.bulwark;

/**
 * A {@link ResultHandler} that also gets the attempt's {@link ItemContext} (attempt number,
 * idempotency key, stop request, the item's log), as {@link ContextualHandler} does.
 *
 * @param <T> the item type
 * @param <R> the result type
 */
@FunctionalInterface
public interface ContextualResultHandler<T, R> {

    R handle(T item, ItemContext context) throws Exception;
}
