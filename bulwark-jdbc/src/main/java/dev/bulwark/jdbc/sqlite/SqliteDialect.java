package dev.bulwark.jdbc.sqlite;

import dev.bulwark.jdbc.internal.Dialect;
import dev.bulwark.jdbc.internal.ItemClaims;
import dev.bulwark.jdbc.internal.SqlErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * SQLite: instants as epoch milliseconds (so they come back truncated to the millisecond), UUIDs
 * as text, booleans as 0 and 1. One writer holds the whole file, so rows need no locks; without
 * statistics the planner needs index hints to use the partial indexes of the items.
 */
public final class SqliteDialect implements Dialect {
    private static final ItemClaims CLAIMS = new SqliteClaims();
    // No row locks: one writer holds the file. IMMEDIATE takes the file's write lock first, so two
    // processes never apply the same migration script.
    private static final Clauses CLAUSES = new Clauses("SQLite", "", "", "INDEXED BY", "max", "?",
            "applied_at INTEGER NOT NULL", "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)", "db/sqlite/",
            List.of("V001__create_ledger.sql", "V002__item_results.sql", "V003__named_breakers.sql", "V004__order_scopes.sql"),
            List.of("BEGIN IMMEDIATE"),
            "(%s - ?) / ?"); // epoch milliseconds, integer division
    public static final SqliteDialect INSTANCE = new SqliteDialect();

    private SqliteDialect() {
    }

    @Override
    public Clauses clauses() {
        return CLAUSES;
    }

    @Override
    public void bindInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        ps.setLong(index, value.toEpochMilli());
    }

    @Override
    public Instant instant(ResultSet rs, int column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    @Override
    public void bindUuid(PreparedStatement ps, int index, UUID value) throws SQLException {
        ps.setString(index, value.toString());
    }

    @Override
    public UUID uuid(ResultSet rs, int column) throws SQLException {
        String text = rs.getString(column);
        return text == null ? null : UUID.fromString(text);
    }

    @Override
    public void bindBoolean(PreparedStatement ps, int index, boolean value) throws SQLException {
        ps.setInt(index, value ? 1 : 0);
    }

    @Override
    public String text(String s) {
        return s;
    }

    @Override
    public boolean isRefusedData(SQLException e) {
        return SqlErrors.isConstraint(e);
    }

    @Override
    public dev.bulwark.BulwarkException translate(String where, String what, SQLException e) {
        return SqlErrors.translate(where, what, e);
    }

    @Override
    public ItemClaims claims() {
        return CLAIMS;
    }

    @Override
    public boolean tableExists(Connection connection, String where, String table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) > 0;
            }
        }
    }
}
