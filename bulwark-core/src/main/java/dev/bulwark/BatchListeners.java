package dev.bulwark;

import dev.bulwark.breaker.BreakerStatus;
import java.util.function.Consumer;

/**
 * The listeners behind {@link BatchBuilder#onBreaker}, {@link BatchBuilder#onProgress} and
 * {@link BatchBuilder#onItem}: each hands one kind of what the engine reports to a consumer.
 */
final class BatchListeners {
    private BatchListeners() {
    }

    /** Breaker transitions, as the scope's new state. */
    static JobListener onBreaker(Consumer<BreakerStatus> value) {
        return new JobListener() {
            @Override
            public void onEvent(EngineEvent event) {
                if (event instanceof EngineEvent.BreakerEvent b) {
                    value.accept(BreakerStatus.of(b));
                }
            }
        };
    }

    static JobListener onProgress(Consumer<Progress> value) {
        return new JobListener() {
            @Override
            public void onProgress(Progress progress) {
                value.accept(progress);
            }
        };
    }

    /** Attempt outcomes, once the ledger recorded them. */
    static JobListener onItem(Consumer<ItemOutcome> value) {
        return new JobListener() {
            @Override
            public void onEvent(EngineEvent event) {
                ItemOutcome outcome = ItemOutcome.of(event);
                if (outcome != null) {
                    value.accept(outcome);
                }
            }
        };
    }
}
