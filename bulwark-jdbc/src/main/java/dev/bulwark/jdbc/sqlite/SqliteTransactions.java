package dev.bulwark.jdbc.sqlite;

import dev.bulwark.jdbc.internal.ExplicitTransaction;
import dev.bulwark.jdbc.internal.GroupCommitter;
import dev.bulwark.jdbc.internal.SqlErrors;
import dev.bulwark.jdbc.internal.Tables;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ledger's transactions: every group on the one connection of the ledger's writer
 * thread, so that every operation sees all writes queued before it, committed or about to be. An
 * SQL error that ends the transaction (disk full, I/O error) rolls back the whole group.
 */
public final class SqliteTransactions implements GroupCommitter.Transactions {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteTransactions.class);

    private final Connection connection;
    private final Tables tables;
    private final Path file;
    private final String begin;

    /** @param readOnly whether the connection only reads (its transactions then take no write lock) */
    public SqliteTransactions(Connection connection, Tables tables, Path file, boolean readOnly) {
        this.connection = connection;
        this.tables = tables;
        this.file = file;
        // IMMEDIATE takes the write lock up front, so the busy timeout applies there and a group
        // can never fail halfway because another connection wrote first.
        this.begin = readOnly ? "BEGIN" : "BEGIN IMMEDIATE";
    }

    @Override
    public void commit(GroupCommitter.Group group) {
        try {
            ExplicitTransaction.run(tables.sql()::execute, List.of(begin), () -> {
                group.run(tables);
                return null;
            }, this::forgetGroup);
        } catch (SQLException e) {
            throw SqlErrors.translate(file, begin.equals("BEGIN") ? "read the ledger" : "write to the ledger", e);
        }
    }

    /**
     * Before a rollback: after an error other than a constraint violation the driver finalizes the
     * failed statement behind our back; and a pk seen in the group may belong to no job now.
     */
    private void forgetGroup() {
        tables.sql().discardAll();
        tables.jobs().forgetPks();
    }

    @Override
    public void close() {
        try {
            tables.close();
            connection.close();
        } catch (SQLException e) {
            LOG.warn("cannot close the ledger {}", file, e);
        }
    }
}
