package dev.bulwark.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The prepared statements of one connection, compiled once and reused: SQLite spends much of a
 * small statement's time compiling it. Confined to the ledger's writer thread, so not thread-safe.
 */
public final class Statements implements AutoCloseable {
    private final Connection connection;
    private final Map<String, PreparedStatement> cache = new HashMap<>();
    private Statement plain;

    public Statements(Connection connection) {
        this.connection = connection;
    }

    public Connection connection() {
        return connection;
    }

    /** The prepared statement for {@code sql}; callers bind every parameter before each use. */
    public PreparedStatement get(String sql) throws SQLException {
        PreparedStatement statement = cache.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            cache.put(sql, statement);
        }
        return statement;
    }

    /** Runs a statement without parameters or results (transaction control, savepoints). */
    public void execute(String sql) throws SQLException {
        if (plain == null) {
            plain = connection.createStatement();
        }
        plain.execute(sql);
    }

    /**
     * Drops every cached statement. Needed after an error other than a constraint violation:
     * the driver then finalizes the failed statement behind our back, and reusing it fails.
     */
    public void discardAll() {
        for (PreparedStatement statement : cache.values()) {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // Already unusable; it is dropped either way.
            }
        }
        cache.clear();
    }

    @Override
    public void close() throws SQLException {
        discardAll();
        if (plain != null) {
            plain.close();
        }
    }
}
