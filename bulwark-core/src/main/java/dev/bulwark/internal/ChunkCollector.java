package dev.bulwark.internal;

import dev.bulwark.ChunkContext;
import dev.bulwark.ContextualChunkHandler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Gathers the items of concurrent attempts into chunks for a {@link ContextualChunkHandler}. The
 * first attempt to arrive opens a chunk and leads it: it waits until the chunk is full or the
 * linger time has passed (real time: it only bounds how long a part-filled chunk waits for
 * company), then runs the handler once for the whole chunk, its items in sequence order; the
 * other members wait for that result.
 *
 * <p>When the chunk throws a critical error, the leader finds the item that causes it, so that
 * one item is named and failed every time: it runs the items again one at a time, in sequence
 * order, until one throws a critical error. The items before it keep the outcome of their own run,
 * the items after it are not run ({@link Outcome#notRun()}). Thread-safe.
 *
 * @param <T> the item type
 */
public final class ChunkCollector<T> {
    private final int size;
    private final long lingerNanos;
    private final ContextualChunkHandler<T> handler;
    private final Predicate<Exception> critical;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition closed = lock.newCondition();
    private Chunk<T> open; // guarded by lock

    /**
     * How the chunk an item was part of ended, for that item.
     *
     * @param error       the chunk's error, or (after a critical error was isolated) this item's own; null on success
     * @param size        the chunk's size
     * @param isolated    whether {@code error} is this item's own, from running it alone (no further isolation needed)
     * @param notRun      whether the item was not run because an item before it in its chunk hit a critical error
     */
    public record Outcome(Exception error, int size, boolean isolated, boolean notRun) {
        static Outcome of(Exception error, int size) {
            return new Outcome(error, size, false, false);
        }
    }

    /** A member of a chunk: its typed item, its sequence number and idempotency key. */
    public record Member<T>(T item, long seq, String idempotencyKey) {
    }

    private static final class Chunk<T> {
        final List<Member<T>> members = new ArrayList<>();
        final CompletableFuture<List<Outcome>> done = new CompletableFuture<>();
        boolean closed;
    }

    public ChunkCollector(int size, long lingerNanos, ContextualChunkHandler<T> handler, Predicate<Exception> critical) {
        this.size = size;
        this.lingerNanos = lingerNanos;
        this.handler = handler;
        this.critical = critical;
    }

    /** Processes {@code member} of job {@code jobId} as part of a chunk and reports how it ended for it. */
    public Outcome process(UUID jobId, Member<T> member) throws InterruptedException {
        Chunk<T> chunk;
        boolean leader;
        lock.lock();
        try {
            leader = open == null;
            if (leader) {
                open = new Chunk<>();
            }
            chunk = open;
            chunk.members.add(member);
            if (chunk.members.size() >= size) {
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
                chunk.members.sort(Comparator.comparingLong(Member::seq));
            }
        } finally {
            lock.unlock();
        }
        if (leader) {
            try {
                List<Outcome> outcomes = runChunk(jobId, chunk.members);
                chunk.done.complete(outcomes);
                return outcomes.get(indexOf(chunk, member));
            } finally {
                // An Error is not caught (it propagates), but the members must not wait forever.
                chunk.done.completeExceptionally(new IllegalStateException("the chunk handler failed with an Error"));
            }
        }
        try {
            List<Outcome> outcomes = chunk.done.get();
            return outcomes.get(indexOf(chunk, member));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return Outcome.of(cause instanceof Exception ex ? ex : new IllegalStateException(cause), chunk.members.size());
        }
    }

    /** Runs {@code items} alone, as a chunk of one, with its own context. */
    public void runAlone(UUID jobId, Member<T> member) throws Exception {
        handler.handle(List.of(member.item()), context(jobId, List.of(member)));
    }

    private List<Outcome> runChunk(UUID jobId, List<Member<T>> members) {
        int n = members.size();
        try {
            handler.handle(members.stream().map(Member::item).toList(), context(jobId, members));
            return java.util.Collections.nCopies(n, Outcome.of(null, n));
        } catch (Exception e) {
            if (n == 1 || !critical.test(e)) {
                return java.util.Collections.nCopies(n, Outcome.of(e, n));
            }
            return isolateCritical(jobId, members, e);
        }
    }

    private List<Outcome> isolateCritical(UUID jobId, List<Member<T>> members, Exception chunkError) {
        int n = members.size();
        List<Outcome> outcomes = new ArrayList<>(n);
        for (Member<T> m : members) {
            Exception own = null;
            try {
                runAlone(jobId, m);
            } catch (Exception e) {
                own = e;
            }
            outcomes.add(new Outcome(own, n, true, false));
            if (own != null && critical.test(own)) {
                while (outcomes.size() < n) {
                    outcomes.add(new Outcome(null, n, true, true));
                }
                return outcomes;
            }
        }
        // No item throws it alone: the critical error is the chunk's, named on its first item.
        outcomes.set(0, new Outcome(chunkError, n, true, false));
        return outcomes;
    }

    private static <T> ChunkContext context(UUID jobId, List<Member<T>> members) {
        return new ChunkContext(jobId, members.stream().map(Member::seq).toList(),
                members.stream().map(Member::idempotencyKey).toList());
    }

    private static <T> int indexOf(Chunk<T> chunk, Member<T> member) {
        for (int i = 0; i < chunk.members.size(); i++) {
            if (chunk.members.get(i) == member) {
                return i;
            }
        }
        throw new IllegalStateException("a member is missing from its chunk");
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
