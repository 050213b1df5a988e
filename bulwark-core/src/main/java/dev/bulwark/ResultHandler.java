package dev.bulwark;

/**
 * Like {@link BatchHandler}, returning what processing the item produced (a created record's id,
 * a converted file's size): the returned value is stored with the item's successful outcome in the
 * ledger, written by the batch's {@link ResultCodec} (JSON by default), and read back typed with
 * {@link BatchResult#results(Class)}, also after a resume. Returning null stores nothing. Failure
 * is an exception, as for {@link BatchHandler}; same thread-safety and idempotency rules.
 *
 * @param <T> the item type
 * @param <R> the result type
 */
@FunctionalInterface
public interface ResultHandler<T, R> {

    R handle(T item) throws Exception;
}
