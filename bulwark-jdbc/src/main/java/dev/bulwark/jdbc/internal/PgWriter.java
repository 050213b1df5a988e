package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import dev.bulwark.jdbc.postgres.PostgresDialect;
import dev.bulwark.ledger.Completion;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for the PostgreSQL ledger: completions and events queue up, and one writer thread
 * records whatever has queued in one transaction (one batch of statements, one commit, one WAL
 * flush), while the next ones queue for the next transaction. With {@code synchronous_commit=on}
 * every commit waits for the disk, so the group grows with the load without any artificial delay.
 *
 * <p>Every queued write takes a ticket. {@link #awaitQueued()} waits until every write queued
 * before it has settled (committed, or failed): the ledger calls it before any other operation,
 * so those see every completion queued before them, as in the embedded ledger.
 *
 * <p>A write settles only after its transaction committed. A rejected completion (stale fence,
 * unknown item, refused data) fails alone. A transaction that fails as a whole (the connection
 * died, the database is down) is run again on a fresh connection if its commit had not been
 * sent; otherwise, and once the tries are used up, every write in it fails: never is a failed
 * write reported as recorded.
 */
public final class PgWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PgWriter.class);
    private static final int MAX_GROUP = 5_000;

    private final DataSource dataSource;
    private final String where;
    private final Runnable evictIdle;
    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private final Thread writer;
    // Dependent actions of the futures run here, never on the writer: one that calls back into the
    // ledger would otherwise wait for itself.
    private final ExecutorService callbacks;
    private volatile Thread callbackThread;
    private long lastTicket;
    private long settledTicket;
    private boolean closed;

    public PgWriter(DataSource dataSource, String where, Runnable evictIdle) {
        this.dataSource = dataSource;
        this.where = where;
        this.evictIdle = evictIdle;
        this.callbacks = Executors.newSingleThreadExecutor(r -> callbackThread = daemon(r, "bulwark-pg-ledger-callbacks"));
        this.writer = daemon(this::loop, "bulwark-pg-ledger-writer");
        writer.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Queues a completion for the next group; the future completes once it committed. */
    public CompletableFuture<Void> complete(Completion completion) {
        return enqueue(new Write(completion, null)).future;
    }

    /** Queues an event for the next group; the future completes once it committed. */
    public CompletableFuture<Void> appendEvent(JobStore.NewEvent event) {
        return enqueue(new Write(null, event)).future;
    }

    private Write enqueue(Write write) {
        synchronized (lock) {
            checkOpen();
            write.ticket = ++lastTicket;
            queue.add(write);
        }
        return write;
    }

    public void checkOpen() {
        synchronized (lock) {
            if (closed) {
                throw new BulwarkException("the ledger " + where + " is closed");
            }
        }
    }

    /** Waits until every write queued before this call has settled: committed, or failed. */
    public void awaitQueued() {
        synchronized (lock) {
            long target = lastTicket;
            boolean interrupted = false;
            while (settledTicket < target) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Returns once every write queued before it has settled and its future has completed. */
    public void flush() {
        checkOpen();
        awaitQueued();
        if (Thread.currentThread() != callbackThread) {
            // Futures complete in commit order on one thread: once this no-op ran, every earlier one has.
            try {
                callbacks.submit(() -> { }).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BulwarkException("interrupted while flushing the ledger " + where, e);
            } catch (ExecutionException | RejectedExecutionException e) {
                // Closed meanwhile: close() itself waits for the callbacks.
            }
        }
    }

    /** Records what is queued, then stops the writer thread. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                Stop stop = new Stop();
                stop.ticket = ++lastTicket;
                queue.add(stop);
            }
        }
        boolean interrupted = false;
        while (writer.isAlive() && Thread.currentThread() != writer) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        callbacks.shutdown();
        try {
            if (Thread.currentThread() != callbackThread && !callbacks.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.warn("callbacks of the ledger {} still running after close", where);
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        List<Task> group = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                // Nobody but close() stops the writer: queued outcomes must still be recorded.
                continue;
            }
            queue.drainTo(group, MAX_GROUP - 1);
            stop = group.get(group.size() - 1) instanceof Stop;
            List<Write> writes = new ArrayList<>(group.size());
            for (Task task : group) {
                if (task instanceof Write w) {
                    writes.add(w);
                }
            }
            try {
                if (!writes.isEmpty()) {
                    commit(writes);
                }
            } catch (Throwable t) {
                LOG.error("ledger writer failed on {}", where, t);
                BulwarkException failure = new BulwarkException("the ledger writer of " + where + " failed: " + t, t);
                writes.forEach(w -> w.failure = failure);
            }
            if (!writes.isEmpty()) {
                // Handed to the callback thread before the tickets move on: flush() relies on it.
                callbacks.execute(() -> writes.forEach(Write::settle));
            }
            synchronized (lock) {
                settledTicket = group.get(group.size() - 1).ticket;
                lock.notifyAll();
            }
            group.clear();
        }
    }

    private void commit(List<Write> writes) {
        List<Write> completionWrites = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        List<JobStore.NewEvent> events = new ArrayList<>();
        for (Write w : writes) {
            if (w.completion != null) {
                completionWrites.add(w);
                completions.add(w.completion);
            } else {
                events.add(w.event);
            }
        }
        for (int attempt = 1; ; attempt++) {
            Connection connection;
            try {
                connection = dataSource.getConnection();
            } catch (SQLException e) {
                fail(writes, PgErrors.translate(where, "record " + describe(writes), e));
                return;
            }
            boolean committing = false;
            try {
                connection.setAutoCommit(false);
                RuntimeException[] rejected = Tables.on(connection, PostgresDialect.INSTANCE, tables -> {
                    RuntimeException[] refused = tables.completions().writeAll(completions);
                    tables.jobs().appendEvents(events);
                    return refused;
                });
                committing = true;
                connection.commit();
                for (int i = 0; i < rejected.length; i++) {
                    completionWrites.get(i).failure = rejected[i];
                }
                return;
            } catch (SQLException e) {
                if (!committing) {
                    PgTx.rollbackQuietly(connection, e);
                }
                boolean lost = PgErrors.isConnectionLost(e);
                if (lost) {
                    evictIdle.run();
                }
                if (!committing && attempt < PgTx.MAX_TRIES && (lost || PgErrors.isRetryable(e))) {
                    LOG.warn("recording {} in the ledger {} failed ({}); trying again on another connection",
                            describe(writes), where, e.getMessage());
                    continue;
                }
                BulwarkException failure = committing && lost
                        ? new BulwarkException("lost the connection to the ledger " + where + " while committing " + describe(writes)
                                + ": they may or may not have been recorded, so they count as not recorded (" + e.getMessage() + ")", e)
                        : PgErrors.translate(where, "record " + describe(writes), e);
                LOG.error("{}", failure.getMessage(), e);
                fail(writes, failure);
                return;
            } catch (RuntimeException e) {
                PgTx.rollbackQuietly(connection, e);
                throw e;
            } finally {
                PgTx.closeQuietly(connection);
            }
        }
    }

    private static void fail(List<Write> writes, RuntimeException failure) {
        writes.forEach(w -> w.failure = failure);
    }

    private static String describe(List<Write> writes) {
        long completions = writes.stream().filter(w -> w.completion != null).count();
        long events = writes.size() - completions;
        return completions + " outcome(s) and " + events + " event(s)";
    }

    private abstract static class Task {
        long ticket;
    }

    private static final class Write extends Task {
        final Completion completion;
        final JobStore.NewEvent event;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        RuntimeException failure;

        Write(Completion completion, JobStore.NewEvent event) {
            this.completion = completion;
            this.event = event;
        }

        void settle() {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete(null);
            }
        }
    }

    private static final class Stop extends Task {
    }
}
