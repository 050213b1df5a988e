package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import dev.bulwark.ledger.Completion;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * What the ledger's SQL does differently on each database, as values: how instants, UUIDs, booleans
 * and text are stored, how its errors are sorted and told, how it claims items, and the clauses one
 * database needs and the other lacks (row locks, index hints, the name of a function). Everything
 * else about jobs, items, attempts, events, completions, group commit and migrations is written once
 * on top of it ({@link Rows}, {@link JobStore}, {@link ItemStore}, {@link Completions}, {@link Migrator}).
 *
 * <p>The two dialects are {@code dev.bulwark.jdbc.sqlite.SqliteDialect#INSTANCE} and
 * {@code dev.bulwark.jdbc.postgres.PostgresDialect#INSTANCE}; both are stateless and thread-safe.
 *
 * @param clauses     the SQL text in which the databases differ
 * @param instants    how an instant is stored ({@link Rows#bind} binds nulls itself)
 * @param uuids       how a UUID is stored
 * @param booleans    how a boolean is bound
 * @param storable    {@code s} as the database's text can hold it
 * @param refusedData whether the database refused the data of one statement (a constraint, a value out
 *                    of range): that write alone is at fault, and rolling back to a savepoint undoes it
 * @param translator  the message of an SQL error, saying what the user can do
 * @param claims      how this database claims items
 * @param schema      whether a table exists in the ledger's schema
 * @param announcer   tells other processes about outcomes written in the caller's transaction, once it
 *                    commits (PostgreSQL: {@code NOTIFY}, so that a service shows the outcomes of items
 *                    other processes run); one process writes an SQLite ledger and knows its own outcomes
 */
public record Dialect(Clauses clauses, Column<Instant> instants, Column<UUID> uuids, Column.Binder<Boolean> booleans,
                      UnaryOperator<String> storable, Predicate<SQLException> refusedData, Translator translator,
                      ItemClaims claims, SchemaCheck schema, Announcer announcer) {

    /**
     * How one kind of value is written to and read from this database's columns.
     *
     * @param binder binds a non-null value
     * @param reader the value of a column, or null
     */
    public record Column<T>(Binder<T> binder, Reader<T> reader) {
        @FunctionalInterface
        public interface Binder<T> {
            void bind(PreparedStatement ps, int index, T value) throws SQLException;
        }

        @FunctionalInterface
        public interface Reader<T> {
            T read(ResultSet rs, int column) throws SQLException;
        }

        public void bind(PreparedStatement ps, int index, T value) throws SQLException {
            binder.bind(ps, index, value);
        }

        public T read(ResultSet rs, int column) throws SQLException {
            return reader.read(rs, column);
        }
    }

    /** A BulwarkException for an SQL error raised while trying to {@code what} in the ledger {@code where}. */
    @FunctionalInterface
    public interface Translator {
        BulwarkException translate(String where, String what, SQLException e);
    }

    /** Whether {@code table} exists in the ledger's schema; throws if that schema is unusable. */
    @FunctionalInterface
    public interface SchemaCheck {
        boolean hasTable(Connection connection, String where, String table) throws SQLException;
    }

    /** Tells other processes about the outcomes {@code written} in the transaction of {@code connection}. */
    @FunctionalInterface
    public interface Announcer {
        Announcer NONE = (connection, written) -> { };

        void announce(Connection connection, List<Completion> written) throws SQLException;
    }

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
    public record Clauses(String name, String lockRows, String lockForDelete, String indexHint, String greatest,
                          String timestampParam, String appliedAtColumn, String nowSql, String migrationFolder,
                          List<String> migrationScripts, List<String> beginMigration, String intervalOf) {
    }

    /** The database's name in messages. */
    public String name() {
        return clauses.name();
    }

    /** The hint that makes a query walk {@code index}, or {@code ""}. */
    public String indexedBy(String index) {
        return clauses.indexHint().isEmpty() ? "" : " " + clauses.indexHint() + " " + index;
    }

    /** {@code s} as the database's text can hold it (null stays null). */
    public String text(String s) {
        return storable.apply(s);
    }

    /** See {@link #refusedData}. */
    public boolean isRefusedData(SQLException e) {
        return refusedData.test(e);
    }

    /**
     * A {@link BulwarkException} for {@code e}, raised while trying to {@code what} in the ledger
     * {@code where}, saying what the user can do.
     */
    public BulwarkException translate(String where, String what, SQLException e) {
        return translator.translate(where, what, e);
    }
}
