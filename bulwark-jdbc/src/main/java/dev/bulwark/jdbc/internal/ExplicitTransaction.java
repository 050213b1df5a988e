package dev.bulwark.jdbc.internal;

import java.sql.SQLException;
import java.util.List;

/**
 * A transaction opened and ended by SQL statements ({@code BEGIN ...}, {@code COMMIT},
 * {@code ROLLBACK}) on a connection in auto-commit mode: SQLite's transactions, which say how they
 * lock the file as they begin, and the migrations of both databases, which take their lock there.
 */
public final class ExplicitTransaction {
    private ExplicitTransaction() {
    }

    /** Runs one SQL statement without parameters. */
    @FunctionalInterface
    public interface Sql {
        void execute(String sql) throws SQLException;
    }

    /** The work of the transaction. */
    @FunctionalInterface
    public interface Body<T> {
        T run() throws SQLException;
    }

    /**
     * Runs the statements {@code begin}, then {@code body}, then {@code COMMIT}, and returns what
     * {@code body} returned. When {@code body} or the commit fails, runs {@code beforeRollback} and
     * {@code ROLLBACK} (should that fail too, its error is added to the first one) and rethrows.
     */
    public static <T> T run(Sql sql, List<String> begin, Body<T> body, Runnable beforeRollback) throws SQLException {
        for (String statement : begin) {
            sql.execute(statement);
        }
        try {
            T result = body.run();
            sql.execute("COMMIT");
            return result;
        } catch (SQLException | RuntimeException e) {
            beforeRollback.run();
            try {
                sql.execute("ROLLBACK");
            } catch (SQLException suppressed) {
                // SQLite rolls back by itself after some errors (disk full); then there is nothing to undo.
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** {@link #run(Sql, List, Body, Runnable)} with nothing to do before a rollback. */
    public static <T> T run(Sql sql, List<String> begin, Body<T> body) throws SQLException {
        return run(sql, begin, body, () -> { });
    }
}
