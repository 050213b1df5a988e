package dev.bulwark.examples.nodes;

import dev.bulwark.ItemOutcome;
import dev.bulwark.RunningBatch;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Halts a batch after {@code limit} items in a row have failed, so a node that is down does not
 * eat the whole batch. Meant for ordered batches, whose outcomes arrive one item after another.
 *
 * <p>STAND-IN FOR THE ENGINE'S CIRCUIT BREAKER: once breakers run in the engine, this class goes
 * and the batch says {@code .scope(token -> node).breaker(consecutive=3, on-open halt)} instead.
 * Thread-safe.
 */
public final class ConsecutiveFailures implements Consumer<ItemOutcome> {
    private final int limit;
    private final String what;
    private final CompletableFuture<RunningBatch> batch = new CompletableFuture<>();
    private int inARow; // guarded by this

    public ConsecutiveFailures(int limit, String what) {
        this.limit = limit;
        this.what = what;
    }

    /** The batch to halt; outcomes may arrive before it is known, the halt then waits for it. */
    public void watch(RunningBatch running) {
        batch.complete(running);
    }

    @Override
    public synchronized void accept(ItemOutcome outcome) {
        if (outcome.kind() == ItemOutcome.Kind.SUCCEEDED) {
            inARow = 0;
        } else if (outcome.kind() == ItemOutcome.Kind.FAILED && ++inARow == limit) {
            String reason = limit + " consecutive failures (last: " + outcome.key() + ", " + outcome.category() + "): " + what;
            batch.thenAccept(running -> running.halt(reason));
        }
    }
}
