package dev.bulwark.jdbc;

import dev.bulwark.Attempt;
import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;
import dev.bulwark.internal.Json;
import dev.bulwark.jdbc.internal.Completions;
import dev.bulwark.jdbc.internal.GroupCommitter;
import dev.bulwark.jdbc.internal.ItemStore;
import dev.bulwark.jdbc.internal.JobStore;
import dev.bulwark.jdbc.internal.Migrator;
import dev.bulwark.jdbc.internal.SqlErrors;
import dev.bulwark.jdbc.internal.SqliteConnector;
import dev.bulwark.jdbc.internal.Statements;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.FinishedInterval;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.NewItem;
import dev.bulwark.ledger.Rejection;
import dev.bulwark.ledger.ScopeFilter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The embedded ledger: one SQLite file in WAL mode, owned by one process at a time.
 *
 * <p>Thread-safe. Every operation runs on a single writer thread ({@code bulwark-ledger-writer})
 * with one connection; whatever has queued up while the previous transaction committed goes into
 * the next one (group commit). {@link #complete} and {@link #appendEvent} return at once and their
 * futures complete, on a ledger callback thread, once their transaction committed; all other
 * methods return once their own transaction committed, and see every write queued before them.
 * Dependent actions of those futures may call this ledger, but must not wait for another of its
 * futures.
 *
 * <p>Times are stored to the millisecond; finer parts of instants are dropped. Event data are
 * stored as JSON and come back with JSON's types (a {@code long} 3 comes back as an {@code Integer}).
 * Durability picks SQLite's {@code synchronous} setting ({@link Durability}). One process writes a
 * ledger file at a time; another can open it with {@link #openReadOnly(Path)} while it runs.
 */
public final class SqliteLedger implements Ledger {
    private final Path file;
    private final boolean readOnly;
    private final GroupCommitter writer;
    private final Statements sql;
    private final JobStore jobs;
    private final ItemStore items;
    private final Completions completions;
    // One instance each: group commit batches the values queued for the same writer.
    private final GroupCommitter.BatchWriter<Completion> completionWriter;
    private final GroupCommitter.BatchWriter<JobStore.NewEvent> eventWriter;

    private SqliteLedger(Path file, Connection connection, boolean readOnly) {
        this.file = file;
        this.readOnly = readOnly;
        this.sql = new Statements(connection);
        this.jobs = new JobStore(sql, !readOnly);
        this.completions = new Completions(sql, jobs);
        this.items = new ItemStore(sql, jobs, completions);
        this.completionWriter = completions::writeAll;
        this.eventWriter = jobs::appendEvents;
        this.writer = new GroupCommitter(sql, file, readOnly, jobs::forgetPks, sql, connection);
    }

    /** Opens (creating it if needed) the ledger at {@code dbFile} with {@link Durability#NORMAL}. */
    public static SqliteLedger open(Path dbFile) {
        return open(dbFile, Durability.NORMAL);
    }

    /**
     * Opens the ledger at {@code dbFile} for reading and writing, creating the file and bringing its
     * schema up to date. Its directory must exist and be writable.
     *
     * @throws BulwarkException if the file cannot be opened or was written by a newer Bulwark
     */
    public static SqliteLedger open(Path dbFile, Durability durability) {
        Objects.requireNonNull(durability, "durability");
        Connection connection = SqliteConnector.openWriter(dbFile, durability.pragmaValue());
        try {
            Migrator.sqlite().migrate(connection, dbFile, System.currentTimeMillis());
            return new SqliteLedger(dbFile, connection, false);
        } catch (SQLException e) {
            closeQuietly(connection);
            throw SqlErrors.translate(dbFile, "prepare the ledger", e);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /**
     * Opens an existing ledger for reading only (status, list and export beside a running writer).
     * Every write method throws a {@link BulwarkException}.
     */
    public static SqliteLedger openReadOnly(Path dbFile) {
        Connection connection = SqliteConnector.openReader(dbFile);
        try {
            Migrator.sqlite().checkCurrent(connection, dbFile);
            return new SqliteLedger(dbFile, connection, true);
        } catch (SQLException e) {
            closeQuietly(connection);
            throw SqlErrors.translate(dbFile, "read the ledger", e);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void createJob(Job job) {
        write("create a job");
        call(() -> {
            jobs.create(job);
            return null;
        });
    }

    @Override
    public void addItems(UUID jobId, List<NewItem> newItems) {
        write("add items");
        call(() -> {
            items.add(jobId, newItems);
            return null;
        });
    }

    @Override
    public Optional<Job> findJob(UUID jobId) {
        return call(() -> jobs.find(jobId));
    }

    @Override
    public List<Job> listJobs(JobQuery query) {
        return call(() -> jobs.list(query));
    }

    @Override
    public Job transition(UUID jobId, JobStatus next, String reason, Instant at) {
        write("change a job's status");
        return call(() -> jobs.transition(jobId, next, reason, at));
    }

    @Override
    public List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered, ScopeFilter scopes) {
        write("claim items");
        return call(() -> items.claim(jobId, now, limit, ordered, scopes));
    }

    @Override
    public void recordCompensation(Attempt attempt) {
        write("record a compensation");
        call(() -> {
            items.recordCompensation(attempt);
            return null;
        });
    }

    @Override
    public void reject(Rejection rejection) {
        write("give back a rejected item");
        call(() -> {
            items.reject(rejection);
            return null;
        });
    }

    @Override
    public Optional<Instant> nextDueAt(UUID jobId) {
        return call(() -> items.nextDueAt(jobId));
    }

    @Override
    public CompletableFuture<Void> complete(Completion completion) {
        write("record an outcome");
        Objects.requireNonNull(completion, "completion");
        return writer.submit(completionWriter, completion);
    }

    @Override
    public CompletableFuture<Void> appendEvent(EngineEvent event) {
        write("append an event");
        if (!event.kept()) {
            return CompletableFuture.completedFuture(null);
        }
        String data;
        try {
            // On the caller's thread, so an event that cannot be stored fails alone and early.
            if (event.type() == null || event.jobId() == null || event.at() == null) {
                throw new BulwarkException("an event needs a type, a job and a time: " + event);
            }
            data = Json.write(event.data());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.submit(eventWriter, new JobStore.NewEvent(event, data));
    }

    @Override
    public void flush() {
        writer.flush();
    }

    @Override
    public int recoverInterrupted(UUID jobId, Instant now, String worker) {
        write("recover interrupted items");
        return call(() -> items.recoverInterrupted(jobId, now, worker));
    }

    @Override
    public long skipRemaining(UUID jobId, Instant now) {
        write("skip items");
        return call(() -> items.skipRemaining(jobId));
    }

    @Override
    public long reopen(UUID jobId, ItemStatus from) {
        write("re-open items");
        return call(() -> items.reopen(jobId, from));
    }

    @Override
    public List<FinishedInterval> finishedOverTime(UUID jobId, Instant from, java.time.Duration width) {
        return call(() -> items.finishedOverTime(jobId, from, width));
    }

    @Override
    public boolean reopenItem(UUID jobId, long seq) {
        write("re-open an item");
        return call(() -> items.reopenItem(jobId, seq));
    }

    @Override
    public JobCounts counts(UUID jobId) {
        return call(() -> items.counts(jobId));
    }

    @Override
    public Optional<Item> findItem(UUID jobId, long seq) {
        return call(() -> items.find(jobId, seq));
    }

    @Override
    public List<Item> items(UUID jobId, ItemQuery query) {
        return call(() -> items.page(jobId, query));
    }

    @Override
    public List<Attempt> attempts(UUID jobId, long seq) {
        return call(() -> items.attempts(jobId, seq));
    }

    @Override
    public List<EngineEvent> events(UUID jobId, int limit) {
        return call(() -> jobs.events(jobId, limit));
    }

    @Override
    public List<UUID> prune(Instant finishedBefore, boolean keepFailed) {
        write("prune jobs");
        return call(() -> jobs.prune(finishedBefore, keepFailed));
    }

    @Override
    public boolean delete(UUID jobId) {
        write("delete a job");
        return call(() -> jobs.delete(jobId));
    }

    /** Commits everything queued, stops the writer thread and closes the file. Idempotent. */
    @Override
    public void close() {
        writer.close();
    }

    /** The value of a pragma on the ledger's own connection (tests check the settings with it). */
    String pragma(String name) {
        return call(() -> {
            try (ResultSet rs = sql.get("PRAGMA " + name).executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    private <T> T call(GroupCommitter.Work<T> work) {
        return writer.call(work);
    }

    private void write(String what) {
        if (readOnly) {
            throw new BulwarkException("cannot " + what + ": the ledger " + file
                    + " is open read-only (another process owns it, or it was opened for status, list or export)");
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Opening failed already; that error is the one to report.
        }
    }

    @Override
    public String toString() {
        return "SqliteLedger[" + file + (readOnly ? ", read-only]" : "]");
    }
}
