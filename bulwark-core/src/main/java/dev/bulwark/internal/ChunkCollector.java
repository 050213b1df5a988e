package dev.bulwark.internal;

import dev.bulwark.ChunkHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Gathers the items of concurrent attempts into chunks for a {@link ChunkHandler}. The first
 * attempt to arrive opens a chunk and leads it: it waits until the chunk is full or the linger
 * time has passed (real time: it only bounds how long a part-filled chunk waits for company),
 * then runs the handler once for the whole chunk; the other members wait for that result.
 * Thread-safe.
 *
 * @param <T> the item type
 */
public final class ChunkCollector<T> {
    private final int size;
    private final long lingerNanos;
    private final ChunkHandler<T> handler;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition closed = lock.newCondition();
    private Chunk<T> open; // guarded by lock

    /** How the chunk an item was part of ended: {@code error} null on success. */
    public record Outcome(Exception error, int size) {
    }

    private static final class Chunk<T> {
        final List<T> items = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        boolean closed;
    }

    public ChunkCollector(int size, long lingerNanos, ChunkHandler<T> handler) {
        this.size = size;
        this.lingerNanos = lingerNanos;
        this.handler = handler;
    }

    /** Processes {@code item} as part of a chunk and reports how the chunk ended. */
    public Outcome process(T item) throws InterruptedException {
        Chunk<T> chunk;
        boolean leader;
        lock.lock();
        try {
            leader = open == null;
            if (leader) {
                open = new Chunk<>();
            }
            chunk = open;
            chunk.items.add(item);
            if (chunk.items.size() >= size) {
                close(chunk);
            }
            if (leader) {
                long left = lingerNanos;
                try {
                    while (!chunk.closed && left > 0) {
                        left = closed.awaitNanos(left);
                    }
                } catch (InterruptedException e) {
                    close(chunk);
                    chunk.done.completeExceptionally(e);
                    throw e;
                }
                close(chunk);
            }
        } finally {
            lock.unlock();
        }
        if (leader) {
            try {
                handler.handle(List.copyOf(chunk.items));
                chunk.done.complete(null);
                return new Outcome(null, chunk.items.size());
            } catch (Exception e) {
                chunk.done.completeExceptionally(e);
                return new Outcome(e, chunk.items.size());
            } finally {
                // An Error is not caught (it propagates), but the members must not wait forever.
                chunk.done.completeExceptionally(new IllegalStateException("the chunk handler failed with an Error"));
            }
        }
        try {
            chunk.done.get();
            return new Outcome(null, chunk.items.size());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return new Outcome(cause instanceof Exception ex ? ex : new IllegalStateException(cause), chunk.items.size());
        }
    }

    private void close(Chunk<T> chunk) {
        if (!chunk.closed) {
            chunk.closed = true;
            if (open == chunk) {
                open = null;
            }
            closed.signalAll();
        }
    }
}
