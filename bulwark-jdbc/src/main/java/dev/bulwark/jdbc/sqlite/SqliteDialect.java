package dev.bulwark.jdbc.sqlite;

import dev.bulwark.jdbc.internal.Dialect;
import dev.bulwark.jdbc.internal.Dialect.Announcer;
import dev.bulwark.jdbc.internal.Dialect.Clauses;
import dev.bulwark.jdbc.internal.Dialect.Column;
import dev.bulwark.jdbc.internal.SqlErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * SQLite: instants as epoch milliseconds (so they come back truncated to the millisecond), UUIDs
 * as text, booleans as 0 and 1. One writer holds the whole file, so rows need no locks; without
 * statistics the planner needs index hints to use the partial indexes of the items.
 */
public final class SqliteDialect {
    // No row locks: one writer holds the file. IMMEDIATE takes the file's write lock first, so two
    // processes never apply the same migration script.
    public static final Dialect INSTANCE = new Dialect(
            new Clauses("SQLite", "", "", "INDEXED BY", "max", "?",
                    "applied_at INTEGER NOT NULL", "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)", "db/sqlite/",
                    List.of("V001__create_ledger.sql", "V002__item_results.sql", "V003__named_breakers.sql",
                            "V004__order_scopes.sql"),
                    List.of("BEGIN IMMEDIATE"),
                    "(%s - ?) / ?"), // epoch milliseconds, integer division
            new Column<>((ps, i, t) -> ps.setLong(i, t.toEpochMilli()), SqliteDialect::instant),
            new Column<>((ps, i, u) -> ps.setString(i, u.toString()), SqliteDialect::uuid),
            (ps, i, b) -> ps.setInt(i, b ? 1 : 0),
            UnaryOperator.identity(), SqlErrors::isConstraint, SqlErrors::translate, new SqliteClaims(),
            SqliteDialect::hasTable, Announcer.NONE);

    private SqliteDialect() {
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    private static UUID uuid(ResultSet rs, int column) throws SQLException {
        String text = rs.getString(column);
        return text == null ? null : UUID.fromString(text);
    }

    private static boolean hasTable(Connection connection, String where, String table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) > 0;
            }
        }
    }
}
