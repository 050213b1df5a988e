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
    private final Statements sql;
    private final JobStore jobs;
    private final Completions completions;

    /** @param rememberPks see {@link JobStore#JobStore} */
    public Tables(Connection connection, Dialect dialect, boolean rememberPks) {
        this.connection = connection;
        this.sql = new Statements(connection);
        Rows rows = new Rows(dialect);
        this.jobs = new JobStore(sql, rows, rememberPks);
        this.completions = new Completions(sql, rows, jobs);
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

    /** Closes the prepared statements (not the connection). */
    @Override
    public void close() throws SQLException {
        sql.close();
    }
}
