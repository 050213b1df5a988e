package dev.bulwark.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The ledger's tables on one connection, in one dialect: its prepared statements and the stores
 * that use them. The embedded ledger keeps one for its writer connection; the shared ledger makes
 * one per transaction and closes it with the transaction. Not thread-safe.
 */
public record Tables(Connection connection, Dialect dialect, Statements sql, JobStore jobs, Completions completions,
                     ItemStore items) implements AutoCloseable {

    /** The tables of {@code connection}; {@code rememberPks}: see {@link JobStore#JobStore}. */
    public static Tables of(Connection connection, Dialect dialect, boolean rememberPks) {
        Statements sql = new Statements(connection);
        Rows rows = new Rows(dialect);
        JobStore jobs = new JobStore(sql, rows, rememberPks);
        Completions completions = new Completions(sql, rows, jobs);
        return new Tables(connection, dialect, sql, jobs, completions, new ItemStore(sql, rows, jobs, completions));
    }

    /** Work on the tables of one connection, in its transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Tables tables) throws SQLException;
    }

    /**
     * Runs {@code work} on the tables of {@code connection} and closes their statements. Job pks
     * are remembered for this work only, which is safe within one transaction.
     */
    public static <T> T on(Connection connection, Dialect dialect, Work<T> work) throws SQLException {
        try (Tables tables = of(connection, dialect, true)) {
            return work.run(tables);
        }
    }

    /** Closes the prepared statements (not the connection). */
    @Override
    public void close() throws SQLException {
        sql.close();
    }
}
