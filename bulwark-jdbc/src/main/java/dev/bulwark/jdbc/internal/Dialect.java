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

    /** The type of a timestamp column's value in the schema-version table, and how to stamp it now. */
    String appliedAtColumn();
}
