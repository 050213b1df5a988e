package dev.bulwark.internal;

import dev.bulwark.util.FailureClassifier;

import dev.bulwark.engine.OwnIoFault;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.ContextualChunkHandler;
import dev.bulwark.ContextualHandler;
import dev.bulwark.ContextualResultHandler;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemContext;
import dev.bulwark.ItemHandler;
import dev.bulwark.PermanentException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The engine-facing handler of a batch built with the Java API: finds the typed item of an
 * attempt, runs the user's handler (alone, or as part of a chunk), classifies what it threw and
 * writes the item's log. A handler run alone returns the text of its result (null for none), which
 * the attempt's result carries to the ledger. Thread-safe.
 *
 * @param <T> the item type
 */
public final class BatchItemHandler<T> implements ItemHandler {
    private final Function<Item, T> restore;
    private final Map<Long, T> submitted;
    private final String name;
    private final ContextualResultHandler<T, String> single;
    /**
     * How long an item left unrun after a critical error in its chunk waits for the engine to stop
     * it (the halt comes within milliseconds); past it, the item fails transiently instead.
     */
    private static final Duration NOT_RUN_WAIT = Duration.ofSeconds(60);

    private final ChunkCollector<T> chunks;
    private final FailureClassifier classifier;

    private BatchItemHandler(Function<Item, T> restore, Map<Long, T> submitted, String name,
                             ContextualResultHandler<T, String> single,
                             ChunkCollector<T> chunks, FailureClassifier classifier) {
        this.restore = restore;
        this.submitted = submitted;
        this.name = name;
        this.single = single;
        this.chunks = chunks;
        this.classifier = classifier;
    }

    /** Runs each item by itself through {@code handler}, which returns its result's text or null. */
    public static <T> BatchItemHandler<T> single(Function<Item, T> restore, ContextualResultHandler<T, String> handler,
                                                 FailureClassifier classifier) {
        return new BatchItemHandler<>(restore, new ConcurrentHashMap<>(), "java", handler, null, classifier);
    }

    /** Runs items in chunks of up to {@code size}; a failed chunk's items run again one by one. */
    public static <T> BatchItemHandler<T> chunked(Function<Item, T> restore, ContextualChunkHandler<T> handler, int size,
                                                  long lingerNanos, FailureClassifier classifier) {
        return new BatchItemHandler<>(restore, new ConcurrentHashMap<>(), "java", null,
                new ChunkCollector<>(size, lingerNanos, handler,
                        e -> classifier.toResult(e).errorClass() == ErrorClass.CRITICAL), classifier);
    }

    /**
     * A handler that runs {@code compensator} on the same typed items (those this handler
     * remembers, or restored from the ledger), classifying its exceptions the same way: the
     * compensator of a rollback. Its log entries name the handler {@code compensate}.
     */
    public BatchItemHandler<T> compensating(ContextualHandler<T> compensator) {
        return new BatchItemHandler<>(restore, submitted, "compensate", voidHandler(compensator), null, classifier);
    }

    /** {@code handler} as one that returns no result. */
    public static <T> ContextualResultHandler<T, String> voidHandler(ContextualHandler<T> handler) {
        return (item, context) -> {
            handler.handle(item, context);
            return null;
        };
    }

    /**
     * Remembers the typed item submitted as {@code seq}, for runs without a restore function.
     * Held until the run ends.
     */
    public void remember(long seq, T item) {
        submitted.put(seq, item);
    }

    @Override
    public AttemptResult handle(AttemptContext ctx) {
        AttemptLog log;
        try {
            log = AttemptLog.begin(ctx, name);
        } catch (UncheckedIOException e) {
            return OwnIoFault.itemLog(ctx.logFile(), e);
        }
        AttemptResult result;
        try {
            T item = resolve(ctx.item());
            result = single != null ? runSingle(item, new ItemContext(ctx, log)) : runInChunk(item, ctx);
        } catch (Exception e) {
            result = classifier.toResult(e);
        }
        return log == null ? result : log.finish(result);
    }

    private AttemptResult runSingle(T item, ItemContext context) throws Exception {
        return AttemptResult.success().withResult(single.handle(item, context));
    }

    private AttemptResult runInChunk(T item, AttemptContext ctx) throws Exception {
        ChunkCollector.Member<T> member = new ChunkCollector.Member<>(item, ctx.seq(), ctx.idempotencyKey());
        ChunkCollector.Outcome chunk = chunks.process(ctx.jobId(), member);
        if (chunk.notRun()) {
            return awaitHalt(ctx);
        }
        if (chunk.error() == null) {
            return AttemptResult.success();
        }
        AttemptResult failure = classifier.toResult(chunk.error());
        if (chunk.isolated() || chunk.size() == 1 || failure.errorClass() == ErrorClass.CRITICAL) {
            return failure;
        }
        // The chunk failed: find out whether this item is one of the bad ones by running it alone.
        chunks.runAlone(ctx.jobId(), member);
        return AttemptResult.success();
    }

    /**
     * An item after the critical one in its chunk was not run: it waits for the halt that critical
     * error brings, so the engine records it as interrupted and skips it, every time (returning at
     * once would race the halt and end it FAILED or SKIPPED by chance).
     */
    private static AttemptResult awaitHalt(AttemptContext ctx) {
        CountDownLatch stopped = new CountDownLatch(1);
        ctx.onStop(stopped::countDown);
        try {
            stopped.await(NOT_RUN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return AttemptResult.failure(ErrorClass.TRANSIENT, "chunk-critical",
                "not run: an item before it in its chunk hit a critical error");
    }

    private T resolve(Item item) {
        if (restore != null) {
            return restore.apply(item);
        }
        T found = submitted.get(item.seq());
        if (found == null) {
            throw new PermanentException("restore", "item " + item.seq() + " (" + item.key() + ") was not submitted by "
                    + "this run and the batch has no restore function: give .restore(item -> ...) to resume a batch");
        }
        return found;
    }
}
