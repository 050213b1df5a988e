package dev.bulwark.jdbc.postgres;

import dev.bulwark.BulwarkException;
import dev.bulwark.jdbc.internal.Dialect;
import dev.bulwark.jdbc.internal.Dialect.Clauses;
import dev.bulwark.jdbc.internal.Dialect.Column;
import dev.bulwark.jdbc.internal.PgErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * PostgreSQL: instants as timestamptz (truncated to the microsecond, PostgreSQL's precision),
 * UUIDs as uuid, booleans as boolean. Many processes write the same tables, so a row read before
 * it is changed is locked ({@code FOR NO KEY UPDATE}: the lock an UPDATE of non-key columns takes
 * anyway, which unlike {@code FOR UPDATE} does not block the foreign-key checks of attempts).
 *
 * <p>PostgreSQL's text cannot hold the character U+0000, which SQLite and Java strings can: it is
 * stored as U+FFFD, so a NUL in a handler's message never makes an outcome unrecordable.
 */
public final class PostgresDialect {
    /** The PostgreSQL ledger's scripts, in order. */
    public static final List<String> SCRIPTS = List.of("V001__create_ledger.sql", "V002__compensated_items.sql",
            "V003__worker_leases.sql", "V004__shared_breakers.sql", "V005__item_results.sql",
            "V006__named_breakers.sql", "V007__order_scopes.sql");

    /** First key of the migration's advisory lock ("Bulw"); the second is a hash of the schema name. */
    static final int LOCK_CLASS = 0x42756c77;

    // Row locks where a row is read and then changed; the migration lock is an advisory lock.
    public static final Dialect INSTANCE = new Dialect(
            new Clauses("PostgreSQL", " FOR NO KEY UPDATE", " FOR UPDATE", "", "greatest",
                    "?::timestamptz", "applied_at timestamptz NOT NULL DEFAULT now()", "now()", "db/postgresql/", SCRIPTS,
                    List.of("BEGIN", migrationLockSql()),
                    "floor((extract(epoch FROM %s) * 1000 - ?) / ?)::bigint"),
            new Column<>((ps, i, t) -> ps.setObject(i, timestamp(t)), PostgresDialect::instant),
            new Column<>(PreparedStatement::setObject, (rs, column) -> rs.getObject(column, UUID.class)),
            PreparedStatement::setBoolean,
            s -> s == null || s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD'),
            PgErrors::isDataError, PgErrors::translate, new PostgresClaims(), PostgresDialect::hasTable,
            OutcomeAnnouncements::announce);

    private PostgresDialect() {
    }

    /** {@code t} as the timestamptz value PostgreSQL stores. */
    public static OffsetDateTime timestamp(Instant t) {
        return OffsetDateTime.ofInstant(t.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /**
     * The SQL that takes the migration lock of the current schema until the transaction ends: a
     * transaction-level advisory lock, which goes with the transaction, also when the process dies.
     */
    public static String migrationLockSql() {
        return "SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", hashtext(coalesce(current_schema(), '')))";
    }

    private static boolean hasTable(Connection connection, String where, String table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT current_schema(), to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getString(1) == null) {
                    throw new BulwarkException("cannot prepare the ledger " + where + ": none of the schemas on its search "
                            + "path exists; create the schema named by currentSchema first");
                }
                return rs.getBoolean(2);
            }
        }
    }
}
