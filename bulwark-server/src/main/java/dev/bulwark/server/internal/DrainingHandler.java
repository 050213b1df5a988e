package dev.bulwark.server.internal;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.ErrorClass;
import dev.bulwark.ItemHandler;
import java.util.concurrent.CountDownLatch;

/**
 * Wraps a job's handler for graceful shutdown: once the pool drains, an attempt that starts does
 * not run its command but holds its slot until the engine pauses the job (it is then recorded as
 * interrupted and runs after the restart), while attempts already running finish.
 */
record DrainingHandler(ItemHandler delegate, WorkerPool pool) implements ItemHandler {

    @Override
    public AttemptResult handle(AttemptContext ctx) throws Exception {
        if (!pool.attemptStarting()) {
            CountDownLatch stopped = new CountDownLatch(1);
            ctx.onStop(stopped::countDown);
            stopped.await(); // the shutdown pauses every job, which stops this attempt
            return AttemptResult.failure(ErrorClass.TRANSIENT, "interrupted", "not started: the server is shutting down");
        }
        try {
            return delegate.handle(ctx);
        } finally {
            pool.attemptEnded();
        }
    }
}
