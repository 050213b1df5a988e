package dev.bulwark.ledger;

/**
 * How many items of a job reached SUCCEEDED and FAILED within one interval of time (see
 * {@link Ledger#finishedOverTime}).
 *
 * @param index     the interval's number: it starts at {@code from + index × width}
 * @param succeeded items that succeeded in it
 * @param failed    items that failed in it
 */
public record FinishedInterval(long index, long succeeded, long failed) {
}
