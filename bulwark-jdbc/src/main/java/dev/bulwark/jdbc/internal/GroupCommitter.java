package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Runs every ledger operation on one thread and one connection, committing whatever has queued up
 * in a single transaction. While a transaction commits, new work queues for the next one, so the
 * group grows with the load without any artificial delay. Running reads on the same thread means
 * every operation sees all writes queued before it, committed or about to be.
 *
 * <p>Each operation settles only after its transaction committed. A rejected operation (an
 * exception from its work) is undone on its own and fails alone; an SQL error that ends the
 * transaction (disk full, I/O error) rolls back the whole group and fails every operation in it.
 */
public final class GroupCommitter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitter.class);
    private static final int MAX_GROUP = 10_000;

    /** Work returning a result; a RuntimeException rejects it alone. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Writes group-committed values of one kind, many at a time (one batch per run of queued
     * values). Returns, per value, the exception to fail it with (having written nothing of that
     * value), or null once written. An SQLException ends the whole group.
     */
    @FunctionalInterface
    public interface BatchWriter<T> {
        RuntimeException[] writeAll(List<T> values) throws SQLException;
    }

    private final Statements sql;
    private final Path file;
    private final String begin;
    private final Runnable afterRollback;
    private final AutoCloseable[] resources;
    private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Object lifecycle = new Object();
    private final Thread writer;
    // User callbacks on the futures of complete() and appendEvent() run here, never on the writer:
    // a callback that calls back into the ledger would otherwise wait for itself.
    private final ExecutorService callbacks;
    private volatile Thread callbackThread;
    private boolean closed;
    /** What a failed group was doing, for its error message. */
    private final String failing;

    /**
     * @param readOnly      whether the connection only reads (its transactions then take no write lock)
     * @param afterRollback runs on the writer thread after a group was rolled back, to drop what
     *                      was remembered from it
     * @param resources     closed on the writer thread when it stops, in order
     */
    public GroupCommitter(Statements sql, Path file, boolean readOnly, Runnable afterRollback, AutoCloseable... resources) {
        this.sql = sql;
        this.file = file;
        this.afterRollback = afterRollback;
        // IMMEDIATE takes the write lock up front, so the busy timeout applies there and a group
        // can never fail halfway because another connection wrote first.
        this.begin = readOnly ? "BEGIN" : "BEGIN IMMEDIATE";
        this.failing = readOnly ? "read the ledger" : "write to the ledger";
        this.resources = resources.clone();
        this.callbacks = Executors.newSingleThreadExecutor(r -> callbackThread = daemon(r, "bulwark-ledger-callbacks"));
        this.writer = daemon(this::loop, "bulwark-ledger-writer");
        writer.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Runs {@code work} in the next group and returns its result once that group committed. */
    public <T> T call(Work<T> work) {
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

    /** Queues {@code value} for {@code writer} in the next group; the future completes once it committed. */
    public <T> CompletableFuture<Void> submit(BatchWriter<T> writer, T value) {
        Submitted<T> task = new Submitted<>(writer, value);
        enqueue(task);
        return task.future;
    }

    /** Returns once everything queued before it has committed and its future has completed. */
    public void flush() {
        call(() -> null);
        if (Thread.currentThread() != callbackThread) {
            // Callbacks run in commit order on one thread: once this no-op ran, every earlier future is done.
            try {
                callbacks.submit(() -> { }).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BulwarkException("interrupted while flushing the ledger " + file, e);
            } catch (ExecutionException | RejectedExecutionException e) {
                // Closed meanwhile: close() itself waits for the callbacks.
            }
        }
    }

    private void enqueue(Task task) {
        synchronized (lifecycle) {
            if (closed) {
                throw new BulwarkException("the ledger " + file + " is closed");
            }
            queue.add(task);
        }
    }

    /** Commits what is queued, stops the writer thread and closes the connection. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (!closed) {
                closed = true;
                queue.add(new Stop());
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
                LOG.warn("callbacks of the ledger {} still running after close", file);
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
                // Nobody but close() should stop the writer: queued outcomes must still commit.
                continue;
            }
            queue.drainTo(group, MAX_GROUP - 1);
            stop = group.get(group.size() - 1) instanceof Stop;
            try {
                commit(group);
            } catch (Throwable t) {
                LOG.error("ledger writer failed on {}", file, t);
                BulwarkException failure = new BulwarkException("the ledger writer of " + file + " failed: " + t, t);
                group.forEach(task -> task.failure = failure);
                settle(group);
            }
            group.clear();
        }
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("cannot close {} of the ledger {}", resource, file, e);
            }
        }
    }

    private void commit(List<Task> group) {
        try {
            sql.execute(begin);
            try {
                runAll(group);
                sql.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                rollback(e);
                throw e;
            }
        } catch (SQLException e) {
            BulwarkException failure = SqlErrors.translate(file, failing, e);
            // every caller of the group gets the failure and reports it: told here too, the user would read it twice
            LOG.debug("{}", failure.getMessage(), e);
            group.forEach(task -> task.failure = failure);
        }
        settle(group);
    }

    /**
     * Runs the tasks in queue order, except that each run of consecutive submitted values goes to
     * its writers as batches: the values of a run are independent of each other's order across
     * writers, but a call between them must see the ones before it and none after.
     */
    private void runAll(List<Task> group) throws SQLException {
        Map<BatchWriter<?>, List<Submitted<?>>> run = new LinkedHashMap<>();
        for (Task task : group) {
            if (task instanceof Submitted<?> s) {
                run.computeIfAbsent(s.writer, w -> new ArrayList<>()).add(s);
            } else {
                writeRun(run);
                task.run();
            }
        }
        writeRun(run);
    }

    private void writeRun(Map<BatchWriter<?>, List<Submitted<?>>> run) throws SQLException {
        for (List<Submitted<?>> batch : run.values()) {
            writeBatch(batch);
        }
        run.clear();
    }

    @SuppressWarnings("unchecked")
    private static <T> void writeBatch(List<Submitted<?>> batch) throws SQLException {
        BatchWriter<T> writer = (BatchWriter<T>) batch.get(0).writer;
        List<T> values = new ArrayList<>(batch.size());
        for (Submitted<?> s : batch) {
            values.add((T) s.value);
        }
        RuntimeException[] failures = writer.writeAll(values);
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).failure = failures[i];
        }
    }

    private void rollback(Exception cause) {
        sql.discardAll();
        afterRollback.run();
        try {
            sql.execute("ROLLBACK");
        } catch (SQLException e) {
            // SQLite rolls back by itself after some errors (disk full); then there is nothing to undo.
            cause.addSuppressed(e);
        }
    }

    private void settle(List<Task> group) {
        List<Submitted<?>> submitted = new ArrayList<>();
        for (Task task : group) {
            if (task instanceof Submitted<?> s) {
                submitted.add(s);
            }
        }
        // Handed to the callback thread before any call returns: flush() relies on it to know
        // that every earlier future is settled once a no-op queued after it has run.
        if (!submitted.isEmpty()) {
            callbacks.execute(() -> submitted.forEach(Task::settle));
        }
        for (Task task : group) {
            if (!(task instanceof Submitted<?>)) {
                task.settle();
            }
        }
    }

    private abstract static class Task {
        RuntimeException failure;

        abstract void run() throws SQLException;

        abstract void settle();
    }

    private final class Call<T> extends Task {
        final Work<T> work;
        final CompletableFuture<T> future = new CompletableFuture<>();
        T result;

        Call(Work<T> work) {
            this.work = work;
        }

        @Override
        void run() throws SQLException {
            // A savepoint undoes a rejected call alone; the rest of the group still commits.
            sql.execute("SAVEPOINT call");
            try {
                result = work.run();
                sql.execute("RELEASE call");
            } catch (RuntimeException e) {
                undo();
                failure = e;
            } catch (SQLException e) {
                if (!SqlErrors.isConstraint(e)) {
                    throw e;
                }
                undo();
                failure = SqlErrors.translate(file, "write to the ledger", e);
            }
        }

        private void undo() throws SQLException {
            sql.execute("ROLLBACK TO call");
            sql.execute("RELEASE call");
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
        void run() {
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
        void run() {
        }

        @Override
        void settle() {
        }
    }
}
