package dev.bulwark.jdbc.internal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The transactions of an SQLite ledger's shared breakers ({@link JdbcBreakerStore}), on a
 * connection of their own, opened at first use: the breakers are shared with other processes on
 * the same file, so they are written beside the ledger's writer (which may be another process's),
 * each change in a short {@code BEGIN IMMEDIATE} transaction that waits its turn for the file
 * (busy timeout). Thread-safe: one change at a time.
 */
public final class SqliteBreakerTransactions implements JdbcBreakerStore.Transactions, AutoCloseable {
    private final Path file;
    private Connection connection;
    private boolean closed;

    public SqliteBreakerTransactions(Path file) {
        this.file = file;
    }

    @Override
    public synchronized <T> T write(String what, PgTx.Work<T> work) {
        Connection c = connection(what);
        try (Statement s = c.createStatement()) {
            return ExplicitTransaction.run(s::execute, List.of("BEGIN IMMEDIATE"), () -> work.run(c));
        } catch (SQLException e) {
            throw SqlErrors.translate(file, what, e);
        }
    }

    @Override
    public synchronized <T> T read(String what, PgTx.Work<T> work) {
        try {
            return work.run(connection(what));
        } catch (SQLException e) {
            throw SqlErrors.translate(file, what, e);
        }
    }

    private Connection connection(String what) {
        if (closed) {
            throw new dev.bulwark.BulwarkException("cannot " + what + ": the ledger " + file + " is closed");
        }
        if (connection == null) {
            connection = SqliteConnector.openWriter(file, "NORMAL");
        }
        return connection;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing: nothing left to tell
            }
            connection = null;
        }
    }
}
