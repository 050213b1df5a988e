package dev.bulwark.jdbc;

import dev.bulwark.BulwarkException;
import dev.bulwark.jdbc.internal.GroupCommitter;
import dev.bulwark.jdbc.internal.LedgerCheck;
import dev.bulwark.jdbc.internal.Migrator;
import dev.bulwark.jdbc.internal.SqlErrors;
import dev.bulwark.jdbc.internal.SqliteConnector;
import dev.bulwark.jdbc.internal.Tables;
import dev.bulwark.jdbc.sqlite.SqliteDialect;
import dev.bulwark.jdbc.sqlite.SqliteTransactions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;

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
 * ledger file at a time, enforced by a file lock ({@link LedgerLock}) that the {@code bulwark}
 * command shares; another can open it with {@link #openReadOnly(Path)} while it runs.
 */
public final class SqliteLedger extends JdbcLedger {
    private final Path file;
    private final boolean readOnly;
    private final GroupCommitter writer;
    /** The write lock this ledger took itself and releases on close; null when read-only or held by the caller. */
    private final LedgerLock ownLock;
    /** The shared breakers' own connection (opened at first use), and their store. */
    private final dev.bulwark.jdbc.internal.SqliteBreakerTransactions breakerTx;
    private final dev.bulwark.jdbc.internal.JdbcBreakerStore breakers;

    private SqliteLedger(Path file, Connection connection, boolean readOnly, LedgerLock ownLock) {
        this.file = file;
        this.readOnly = readOnly;
        this.ownLock = ownLock;
        this.breakerTx = new dev.bulwark.jdbc.internal.SqliteBreakerTransactions(file);
        this.breakers = new dev.bulwark.jdbc.internal.JdbcBreakerStore(breakerTx, false);
        Tables tables = Tables.of(connection, SqliteDialect.INSTANCE, !readOnly);
        this.writer = new GroupCommitter(new SqliteTransactions(connection, tables, file, readOnly), file.toString(),
                "bulwark-ledger", 10_000);
    }

    /** Opens (creating it if needed) the ledger at {@code dbFile} with {@link Durability#NORMAL}. */
    public static SqliteLedger open(Path dbFile) {
        return open(dbFile, Durability.NORMAL);
    }

    /**
     * Opens the ledger at {@code dbFile} for reading and writing, creating the file and bringing its
     * schema up to date. Its directory must exist and be writable. Takes the file's write lock
     * ({@link LedgerLock}) until {@link #close()}: a second writer, in this process or another,
     * gets a {@link LedgerBusyException} naming the holder.
     *
     * @throws LedgerBusyException if another writer has the file open
     * @throws BulwarkException    if the file cannot be opened or was written by a newer Bulwark
     */
    public static SqliteLedger open(Path dbFile, Durability durability) {
        Objects.requireNonNull(durability, "durability");
        SqliteConnector.checkWritable(dbFile);
        LedgerLock lock = LedgerLock.acquire(dbFile);
        try {
            return openLocked(dbFile, durability, lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Opens the ledger at {@code dbFile} for reading and writing under a write lock the caller
     * took with {@link LedgerLock#tryAcquire(Path)} and keeps: closing the ledger does not release it.
     *
     * @throws IllegalArgumentException if the lock is not that of {@code dbFile} or was released
     */
    public static SqliteLedger open(Path dbFile, Durability durability, LedgerLock heldLock) {
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(heldLock, "heldLock");
        if (!heldLock.isHeld() || !heldLock.ledgerFile().equals(dbFile.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("the lock " + heldLock + " does not hold the ledger "
                    + dbFile.toAbsolutePath().normalize());
        }
        return openLocked(dbFile, durability, null);
    }

    private static SqliteLedger openLocked(Path dbFile, Durability durability, LedgerLock ownLock) {
        LedgerCheck.beforeWriting(dbFile); // never write into a damaged file
        return openOn(dbFile, SqliteConnector.openWriter(dbFile, durability.pragmaValue()), false, ownLock,
                "prepare the ledger", Migrator::migrate);
    }

    /**
     * Opens an existing ledger for reading only (status, list and export beside a running writer).
     * Every write method throws a {@link BulwarkException}.
     */
    public static SqliteLedger openReadOnly(Path dbFile) {
        return openOn(dbFile, SqliteConnector.openReader(dbFile), true, null, "read the ledger", Migrator::checkCurrent);
    }

    /** What is done to the schema of a ledger's new connection before the ledger uses it. */
    @FunctionalInterface
    private interface SchemaStep {
        void apply(Migrator migrator, Connection connection, String where) throws SQLException;
    }

    /** The ledger on {@code connection} once {@code schema} is done (named {@code what} in messages); else closes it. */
    private static SqliteLedger openOn(Path dbFile, Connection connection, boolean readOnly, LedgerLock ownLock, String what,
                                       SchemaStep schema) {
        try {
            schema.apply(new Migrator(SqliteDialect.INSTANCE), connection, dbFile.toString());
            SqliteLedger ledger = new SqliteLedger(dbFile, connection, readOnly, ownLock);
            prepareJson();
            return ledger;
        } catch (SQLException e) {
            closeQuietly(connection);
            throw SqlErrors.translate(dbFile, what, e);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /**
     * The shared, named breakers of this ledger file, shared with every process that uses it. They
     * are written on a connection of their own, beside whichever process holds the ledger's write
     * lock: also through a ledger opened read-only (so {@code bulwark breaker reset NAME} works
     * while a job runs).
     */
    @Override
    public dev.bulwark.breaker.BreakerStore breakers() {
        return breakers;
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    /** Commits everything queued, stops the writer thread and closes the file. Idempotent. */
    @Override
    public void close() {
        try {
            breakerTx.close();
            writer.close();
        } finally {
            if (ownLock != null) {
                ownLock.close();
            }
        }
    }

    /** The value of a pragma on the ledger's own connection (tests check the settings with it). */
    String pragma(String name) {
        return read("read a pragma", t -> {
            try (ResultSet rs = t.sql().get("PRAGMA " + name).executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    @Override
    <T> T read(String what, Tables.Work<T> work) {
        return writer.call(work);
    }

    @Override
    <T> T write(String what, Tables.Work<T> work) {
        checkWritable(what);
        return writer.call(work);
    }

    @Override
    void checkWritable(String what) {
        if (readOnly) {
            throw new BulwarkException("cannot " + what + ": the ledger " + file
                    + " is open read-only (another process owns it, or it was opened for status, list or export)");
        }
    }

    @Override
    GroupCommitter writer() {
        return writer;
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
