package dev.bulwark;

/**
 * Processes one item of a batch built with {@link Bulwark#batch}. Returning normally is success;
 * a failure is an exception: {@link TransientException}, {@link PermanentException} or
 * {@link CriticalException} say how it is treated, and any other exception is classified by the
 * batch's {@link ExceptionClassifier}s (transient when none matches, unless the batch says otherwise).
 *
 * <p>Called from many threads at once when the batch's concurrency is above 1: implementations
 * must be thread-safe. An item may be processed again after a crash or a retry, so effects should
 * be idempotent (see {@link ItemContext#idempotencyKey()}).
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface BatchHandler<T> {

    void handle(T item) throws Exception;
}
