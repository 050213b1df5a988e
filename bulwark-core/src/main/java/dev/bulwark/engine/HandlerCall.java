package dev.bulwark.engine;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.ErrorClass;
import dev.bulwark.HandlerFailureException;
import dev.bulwark.ItemHandler;

/**
 * Calls a handler for one attempt and turns whatever it does into a result: a failing handler is
 * an attempt outcome, not an exception for the engine. Shared by the engine and the workers.
 */
public final class HandlerCall {
    private HandlerCall() {
    }

    /**
     * The handler's result; a transient failure for an exception, an interrupt, no result, or a stop
     * before the start; a permanent failure ({@value AttemptResult#RESULT_TOO_LARGE}) for a success
     * whose result text is over {@link AttemptResult#MAX_RESULT_BYTES}.
     */
    public static AttemptResult invoke(ItemHandler handler, AttemptContext ctx) {
        try {
            if (ctx.isStopped()) {
                return AttemptResult.failure(ErrorClass.TRANSIENT, "interrupted", "stopped before it started");
            }
            AttemptResult result = handler.handle(ctx);
            if (result == null) {
                return AttemptResult.failure(ErrorClass.TRANSIENT, "error", "the handler returned no result");
            }
            String tooLarge = result.succeeded() ? AttemptResult.resultTooLarge(result.result()) : null;
            return tooLarge == null ? result : AttemptResult.failure(ErrorClass.PERMANENT, AttemptResult.RESULT_TOO_LARGE,
                    "the handler succeeded but its result cannot be stored: " + tooLarge, result.exitCode());
        } catch (HandlerFailureException e) {
            return e.toResult();
        } catch (InterruptedException e) {
            return AttemptResult.failure(ErrorClass.TRANSIENT, "interrupted", "interrupted");
        } catch (Exception e) {
            return AttemptResult.failure(ErrorClass.TRANSIENT, "exception", e.toString());
        }
    }
}
