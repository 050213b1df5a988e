package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.util.Json;
import dev.bulwark.ledger.Completion;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit, for every database: one writer thread takes whatever has queued up and records it
 * in a single transaction; while that transaction commits, new work queues for the next one, so
 * the group grows with the load without any artificial delay. How a group becomes a transaction
 * (one connection kept for good, or a pooled one with retries) is the {@link Transactions} given.
 *
 * <p>Each queued task settles only after its transaction committed. A rejected task (an exception
 * from its work, a value its writer refuses) is undone on its own and fails alone; a failure of
 * the transaction as a whole (disk full, connection lost) fails every task in it: never is a
 * failed write reported as recorded.
 *
 * <p>Every queued task takes a ticket: {@link #awaitQueued()} waits until every task queued
 * before it has settled, so work run outside the queue still sees what was queued before it.
 */
public final class GroupCommitter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitter.class);

    /**
     * Writes group-committed values of one kind, many at a time (one batch per run of queued
     * values). Returns, per value, the exception to fail it with (having written nothing of that
     * value), or null once written. An SQLException ends the whole group.
     */
    @FunctionalInterface
    public interface BatchWriter<T> {
        RuntimeException[] writeAll(Tables tables, List<T> values) throws SQLException;
    }

    /** How a group becomes one transaction. Used by the writer thread only. */
    public interface Transactions {
        /**
         * Runs {@code group} in one transaction and commits it. Throws, having committed nothing of
         * it, when the transaction failed as a whole.
         */
        void commit(Group group);

        /** Releases what the transactions hold (a connection), once the writer stops. */
        void close();
    }

    // One instance each: group commit batches the values queued for the same writer.
    private static final BatchWriter<Completion> COMPLETIONS = (tables, values) -> tables.completions().writeAll(values);
    private static final BatchWriter<JobStore.NewEvent> EVENTS = (tables, values) -> tables.jobs().appendEvents(values);

    private final Transactions transactions;
    private final String where;
    private final int maxGroup;
    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private final Thread writer;
    // User callbacks on the futures of submitted values run here, never on the writer: a callback
    // that calls back into the ledger would otherwise wait for itself.
    private final ExecutorService callbacks;
    private volatile Thread callbackThread;
    private long lastTicket;
    private long settledTicket;
    private boolean closed;

    /**
     * @param where      the ledger's name in messages (a file, or a URL without its password)
     * @param threadName the prefix of the writer's and the callbacks' thread names
     * @param maxGroup   the most tasks in one transaction
     */
    public GroupCommitter(Transactions transactions, String where, String threadName, int maxGroup) {
        this.transactions = transactions;
        this.where = where;
        this.maxGroup = maxGroup;
        this.callbacks = Executors.newSingleThreadExecutor(r -> callbackThread = daemon(r, threadName + "-callbacks"));
        this.writer = daemon(this::loop, threadName + "-writer");
        writer.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Runs {@code work} on the tables of the next group and returns its result once that group
     * committed; a RuntimeException from it rejects it alone (undone by a savepoint).
     */
    public <T> T call(Tables.Work<T> work) {
        Call<T> call = new Call<>(work);
        enqueue(call);
        try {
            return call.future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Queues a completion for the next group; the future completes once it committed. */
    public CompletableFuture<Void> complete(Completion completion) {
        Objects.requireNonNull(completion, "completion");
        return submit(COMPLETIONS, completion);
    }

    /**
     * Queues an event for the next group (unless it is one that is not kept); the future completes
     * once it committed. An event that cannot be stored fails alone and early, on the caller's thread.
     */
    public CompletableFuture<Void> appendEvent(EngineEvent event) {
        if (!event.kept()) {
            return CompletableFuture.completedFuture(null);
        }
        JobStore.NewEvent stored;
        try {
            if (event.type() == null || event.jobId() == null || event.at() == null) {
                throw new BulwarkException("an event needs a type, a job and a time: " + event);
            }
            stored = new JobStore.NewEvent(event, Json.write(event));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return submit(EVENTS, stored);
    }

    /** Queues {@code value} for {@code writer} in the next group; the future completes once it committed. */
    public <T> CompletableFuture<Void> submit(BatchWriter<T> writer, T value) {
        Submitted<T> task = new Submitted<>(writer, value);
        enqueue(task);
        return task.future;
    }

    private void enqueue(Task task) {
        synchronized (lock) {
            checkOpen();
            task.ticket = ++lastTicket;
            queue.add(task);
        }
    }

    /** Throws when the ledger is closed. */
    public void checkOpen() {
        synchronized (lock) {
            if (closed) {
                throw new BulwarkException("the ledger " + where + " is closed");
            }
        }
    }

    /** Waits until every task queued before this call has settled: committed, or failed. */
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

    /** Returns once everything queued before it has settled and its future has completed. */
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

    /** Commits what is queued, stops the writer thread and releases the transactions. Idempotent. */
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
            // From a callback itself, waiting for the callbacks to end would wait for ourselves.
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
        List<Task> tasks = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                tasks.add(queue.take());
            } catch (InterruptedException e) {
                // Nobody but close() should stop the writer: queued outcomes must still commit.
                continue;
            }
            queue.drainTo(tasks, maxGroup - 1);
            stop = tasks.get(tasks.size() - 1) instanceof Stop;
            Group group = new Group(tasks);
            try {
                transactions.commit(group);
            } catch (BulwarkException e) {
                // every caller of the group gets the failure and reports it: told here too, the user would read it twice
                LOG.debug("{}", e.getMessage(), e);
                group.failAll(e);
            } catch (Throwable t) {
                LOG.error("ledger writer failed on {}", where, t);
                group.failAll(new BulwarkException("the ledger writer of " + where + " failed: " + t, t));
            }
            settle(tasks);
            tasks.clear();
        }
        transactions.close();
    }

    private void settle(List<Task> tasks) {
        List<Task> submitted = new ArrayList<>();
        for (Task task : tasks) {
            if (task instanceof Submitted<?>) {
                submitted.add(task);
            }
        }
        // Handed to the callback thread before the tickets move on: flush() relies on it to know
        // that every earlier future is settled once a no-op queued after it has run.
        if (!submitted.isEmpty()) {
            callbacks.execute(() -> submitted.forEach(Task::settle));
        }
        for (Task task : tasks) {
            if (!(task instanceof Submitted<?>)) {
                task.settle();
            }
        }
        synchronized (lock) {
            settledTicket = tasks.get(tasks.size() - 1).ticket;
            lock.notifyAll();
        }
    }

    /** The tasks of one transaction. */
    public static final class Group {
        private final List<Task> tasks;

        private Group(List<Task> tasks) {
            this.tasks = tasks;
        }

        /**
         * Runs the tasks in queue order on {@code tables}, except that each run of consecutive
         * submitted values goes to its writers as batches: the values of a run are independent of
         * each other's order across writers, but a call between them must see the ones before it
         * and none after. May run again on other tables when the transaction is tried again.
         */
        public void run(Tables tables) throws SQLException {
            tasks.forEach(task -> task.failure = null);
            Map<BatchWriter<?>, List<Submitted<?>>> run = new LinkedHashMap<>();
            for (Task task : tasks) {
                if (task instanceof Submitted<?> s) {
                    run.computeIfAbsent(s.writer, w -> new ArrayList<>()).add(s);
                } else {
                    writeRun(tables, run);
                    task.run(tables);
                }
            }
            writeRun(tables, run);
        }

        /** What the group records, for messages. */
        public String describe() {
            return tasks.size() + " queued write(s)";
        }

        void failAll(RuntimeException failure) {
            tasks.forEach(task -> task.failure = failure);
        }

        private static void writeRun(Tables tables, Map<BatchWriter<?>, List<Submitted<?>>> run) throws SQLException {
            for (List<Submitted<?>> batch : run.values()) {
                writeBatch(tables, batch);
            }
            run.clear();
        }

        @SuppressWarnings("unchecked")
        private static <T> void writeBatch(Tables tables, List<Submitted<?>> batch) throws SQLException {
            BatchWriter<T> writer = (BatchWriter<T>) batch.get(0).writer;
            List<T> values = new ArrayList<>(batch.size());
            for (Submitted<?> s : batch) {
                values.add((T) s.value);
            }
            RuntimeException[] failures = writer.writeAll(tables, values);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).failure = failures[i];
            }
        }
    }

    private abstract static class Task {
        long ticket;
        RuntimeException failure;

        abstract void run(Tables tables) throws SQLException;

        abstract void settle();
    }

    private final class Call<T> extends Task {
        final Tables.Work<T> work;
        final CompletableFuture<T> future = new CompletableFuture<>();
        T result;

        Call(Tables.Work<T> work) {
            this.work = work;
        }

        @Override
        void run(Tables tables) throws SQLException {
            // A savepoint undoes a rejected call alone; the rest of the group still commits.
            tables.sql().execute("SAVEPOINT call");
            try {
                result = work.run(tables);
                tables.sql().execute("RELEASE SAVEPOINT call");
            } catch (RuntimeException e) {
                undo(tables);
                failure = e;
            } catch (SQLException e) {
                if (!tables.dialect().isRefusedData(e)) {
                    throw e;
                }
                undo(tables);
                failure = tables.dialect().translate(where, "write to the ledger", e);
            }
        }

        private void undo(Tables tables) throws SQLException {
            tables.sql().execute("ROLLBACK TO SAVEPOINT call");
            tables.sql().execute("RELEASE SAVEPOINT call");
        }

        @Override
        void settle() {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete(result);
            }
        }
    }

    private static final class Submitted<T> extends Task {
        final BatchWriter<T> writer;
        final T value;
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Submitted(BatchWriter<T> writer, T value) {
            this.writer = writer;
            this.value = value;
        }

        @Override
        void run(Tables tables) {
            throw new IllegalStateException("submitted values are written in batches");
        }

        @Override
        void settle() {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete(null);
            }
        }
    }

    private static final class Stop extends Task {
        @Override
        void run(Tables tables) {
        }

        @Override
        void settle() {
        }
    }
}
