package dev.bulwark.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;

/**
 * What the ledger's SQL does differently on each database: how instants, UUIDs, booleans and text
 * are bound and read, and the clauses one database needs and the other lacks (row locks, index
 * hints, the name of a function). Everything else about jobs, items, attempts, events,
 * completions, group commit and migrations is written once on top of it ({@link Rows},
 * {@link JobStore}, {@link ItemStore}, {@link Completions}, {@link Migrator}).
 *
 * <p>Implementations are stateless and thread-safe: {@code dev.bulwark.jdbc.sqlite.SqliteDialect}
 * and {@code dev.bulwark.jdbc.postgres.PostgresDialect}.
 */
public interface Dialect {
    /** Binds a non-null instant ({@link Rows#bind} binds nulls itself, as do the other binders). */
    void bindInstant(PreparedStatement ps, int index, Instant value) throws SQLException;

    /** The instant in {@code column}, or null. */
    Instant instant(ResultSet rs, int column) throws SQLException;

    void bindUuid(PreparedStatement ps, int index, UUID value) throws SQLException;

    UUID uuid(ResultSet rs, int column) throws SQLException;

    void bindBoolean(PreparedStatement ps, int index, boolean value) throws SQLException;

    /** {@code s} as the database's text can hold it. */
    String text(String s);

    /**
     * Whether the database refused the data of one statement (a constraint, a value out of range):
     * that write alone is at fault, and rolling back to a savepoint undoes it.
     */
    boolean isRefusedData(SQLException e);

    /**
     * A {@link dev.bulwark.BulwarkException} for {@code e}, raised while trying to {@code what} in
     * the ledger {@code where}, saying what the user can do.
     */
    dev.bulwark.BulwarkException translate(String where, String what, SQLException e);

    /** How this database claims items. */
    ItemClaims claims();

    /** Whether {@code table} exists in the ledger's schema; throws if that schema is unusable. */
    boolean tableExists(java.sql.Connection connection, String where, String table) throws SQLException;

    /**
     * The SQL text in which the databases differ, as values.
     *
     * @param name             the database's name in messages ({@code SQLite}, {@code PostgreSQL})
     * @param lockRows         the clause that locks the rows a SELECT reads until the transaction ends, so
     *                         that reading and then changing them is one step for every process ({@code ""}
     *                         where one writer holds the whole database anyway)
     * @param lockForDelete    the clause that locks a job row against other processes before it is deleted
     * @param indexHint        the words that make a query walk a given index ({@code ""}: the planner needs none)
     * @param greatest         the function of the larger of two values ({@code max} or {@code greatest})
     * @param timestampParam   a parameter cast to a timestamp, where the database cannot infer it from a null
     * @param appliedAtColumn  the definition of the schema-version table's {@code applied_at} column
     * @param nowSql           the database clock's time, as a timestamp column holds it
     * @param migrationFolder  the class-path folder of the migration scripts ({@code db/sqlite/})
     * @param migrationScripts the scripts in version order: add new ones at the end, never edit applied ones
     * @param beginMigration   the statements that open a migration's transaction and take the lock that lets
     *                         one process migrate at a time (the others wait, then find the schema current)
     * @param intervalOf       the whole number of intervals from a start to a timestamp column ({@code %s}),
     *                         given the start in epoch milliseconds and the interval in milliseconds as parameters
     */
    record Clauses(String name, String lockRows, String lockForDelete, String indexHint, String greatest,
                   String timestampParam, String appliedAtColumn, String nowSql, String migrationFolder,
                   java.util.List<String> migrationScripts, java.util.List<String> beginMigration, String intervalOf) {
    }

    /** This database's {@link Clauses}. */
    Clauses clauses();

    /**
     * Tells other processes about outcomes written in the caller's transaction, once it commits
     * (PostgreSQL: {@code NOTIFY}, so that a service shows the outcomes of items other processes
     * run). Nothing by default: one process writes an SQLite ledger and knows its own outcomes.
     */
    default void announce(java.sql.Connection connection, java.util.List<dev.bulwark.ledger.Completion> written)
            throws SQLException {
    }

    default String name() {
        return clauses().name();
    }

    default String lockRows() {
        return clauses().lockRows();
    }

    default String lockForDelete() {
        return clauses().lockForDelete();
    }

    /** The hint that makes a query walk {@code index}, or {@code ""}. */
    default String indexedBy(String index) {
        return clauses().indexHint().isEmpty() ? "" : " " + clauses().indexHint() + " " + index;
    }

    default String greatest() {
        return clauses().greatest();
    }

    default String timestampParam() {
        return clauses().timestampParam();
    }

    default String appliedAtColumn() {
        return clauses().appliedAtColumn();
    }

    default String nowSql() {
        return clauses().nowSql();
    }

    default String migrationFolder() {
        return clauses().migrationFolder();
    }

    default java.util.List<String> migrationScripts() {
        return clauses().migrationScripts();
    }

    default java.util.List<String> beginMigration() {
        return clauses().beginMigration();
    }
}
