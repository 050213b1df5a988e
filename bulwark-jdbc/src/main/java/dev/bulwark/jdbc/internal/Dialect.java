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
    /** The database's name in messages ({@code SQLite}, {@code PostgreSQL}). */
    String name();

    void bindInstant(PreparedStatement ps, int index, Instant value) throws SQLException;

    /** The instant in {@code column}, or null. */
    Instant instant(ResultSet rs, int column) throws SQLException;

    void bindUuid(PreparedStatement ps, int index, UUID value) throws SQLException;

    UUID uuid(ResultSet rs, int column) throws SQLException;

    void bindBoolean(PreparedStatement ps, int index, boolean value) throws SQLException;

    /** {@code s} as the database's text can hold it. */
    String text(String s);

    /**
     * The clause that locks the rows a SELECT reads until the transaction ends, so that reading
     * and then changing them is one step for every process ({@code ""} where one writer holds the
     * whole database anyway).
     */
    String lockRows();

    /** The clause that locks a job row against deletion by another process, or {@code ""}. */
    String lockForDelete();

    /** The hint that makes a query walk {@code index}, or {@code ""} where the planner needs none. */
    String indexedBy(String index);

    /** The name of the function of the larger of two values ({@code max} or {@code greatest}). */
    String greatest();

    /** {@code ?} cast to the type of a timestamp column, where the database cannot infer it from a null. */
    String timestampParam();

    /** The definition of the schema-version table's {@code applied_at} column. */
    String appliedAtColumn();

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

    /** The SQL value of the database clock's time, as a timestamp column holds it. */
    String nowSql();

    /** The class-path folder of this database's migration scripts ({@code db/sqlite/}). */
    String migrationFolder();

    /** The migration scripts in version order: add new ones at the end and never edit applied ones. */
    java.util.List<String> migrationScripts();

    /**
     * The statements that open the transaction of a migration and take the lock that lets one
     * process migrate at a time: the others wait, then find the schema current.
     */
    java.util.List<String> beginMigration();

    /** Whether {@code table} exists in the ledger's schema; throws if that schema is unusable. */
    boolean tableExists(java.sql.Connection connection, String where, String table) throws SQLException;
}
