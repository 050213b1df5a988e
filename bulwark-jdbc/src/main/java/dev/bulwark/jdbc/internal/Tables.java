package dev.bulwark.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The ledger's tables on one connection, in one dialect: its prepared statements and the stores
 * that use them. The embedded ledger keeps one for its writer connection; the shared ledger makes
 * one per transaction and closes it with the transaction. Not thread-safe.
 */
public final class Tables implements AutoCloseable {
    private final Connection connection;
    private final Dialect dialect;
    private final Statements sql;
    private final JobStore jobs;
    private final Completions completions;
    private final ItemStore items;

    /** @param rememberPks see {@link JobStore#JobStore} */
    public Tables(Connection connection, Dialect dialect, boolean rememberPks) {
        this.connection = connection;
        this.dialect = dialect;
        this.sql = new Statements(connection);
        Rows rows = new Rows(dialect);
        this.jobs = new JobStore(sql, rows, rememberPks);
        this.completions = new Completions(sql, rows, jobs);
        this.items = new ItemStore(sql, rows, jobs, completions);
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
        try (Tables tables = new Tables(connection, dialect, true)) {
            return work.run(tables);
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    public Connection connection() {
        return connection;
    }

    public Statements sql() {
        return sql;
    }

    public JobStore jobs() {
        return jobs;
    }

    public Completions completions() {
        return completions;
    }

    public ItemStore items() {
        return items;
    }

    /** Closes the prepared statements (not the connection). */
    @Override
    public void close() throws SQLException {
        sql.close();
    }
}
