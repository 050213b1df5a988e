package dev.bulwark;

/**
 * Undoes what the handler did for one item, in the rollback that follows a critical error
 * ({@link BatchBuilder#rollback(Compensator)}): deletes the row it inserted, reverts the change it
 * made. It gets the same typed item the handler got. Returning normally is success (the item ends
 * {@link ItemStatus#COMPENSATED}); an exception is a failed compensation, classified like the
 * handler's exceptions and recorded as an attempt of its own (the item stays SUCCEEDED). A
 * compensation is never retried.
 *
 * <p>Compensations run one at a time, newest first (by the end of the item's successful attempt),
 * with the batch's attempt timeout. Like handlers, make them idempotent where you can (deleting
 * what is not there is fine): a process that dies between a compensation and its record leaves it
 * unrecorded.
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface Compensator<T> {

    void compensate(T item) throws Exception;
}
