package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs work in a transaction on a pooled connection, and runs it again on another connection when
 * the first one turned out to be dead before the commit was sent (a restarted server, a dropped
 * network link, a connection the server terminated), or when PostgreSQL chose it as a deadlock
 * victim. Work whose commit was sent but not acknowledged is never run again: its outcome is
 * unknown, and the caller is told so.
 *
 * @param where     the ledger's name in messages (a URL without password)
 * @param evictIdle called when a connection was found dead: the other idle ones likely are too
 */
public record PgTx(DataSource dataSource, String where, Runnable evictIdle) {
    private static final Logger LOG = LoggerFactory.getLogger(PgTx.class);
    /** Tries of one piece of work: the first, and two more on fresh connections. */
    static final int MAX_TRIES = 3;

    /** Work on a connection; SQL errors are sorted by {@link PgTx}, a RuntimeException rejects it as is. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} in one transaction and returns its result once committed. */
    public <T> T write(String what, Work<T> work) {
        return run(what, work, false);
    }

    /** Runs read-only {@code work} in auto-commit mode (no transaction to commit). */
    public <T> T read(String what, Work<T> work) {
        return run(what, work, true);
    }

    private <T> T run(String what, Work<T> work, boolean readOnly) {
        for (int attempt = 1; ; attempt++) {
            Connection connection;
            try {
                connection = dataSource.getConnection();
            } catch (SQLException e) {
                // The pool waited for a live connection already: trying again would only wait longer.
                throw PgErrors.translate(where, what, e);
            }
            boolean committing = false;
            try {
                connection.setAutoCommit(readOnly);
                T result = work.run(connection);
                if (!readOnly) {
                    committing = true;
                    connection.commit();
                }
                return result;
            } catch (SQLException e) {
                if (!committing) {
                    rollbackQuietly(connection, e);
                }
                boolean lost = PgErrors.isConnectionLost(e);
                if (lost) {
                    evictIdle.run();
                }
                if (committing && lost) {
                    throw new BulwarkException("lost the connection to the ledger " + where + " while committing (" + what
                            + "): the change may or may not have been recorded (" + e.getMessage() + ")", e);
                }
                if (!committing && attempt < MAX_TRIES && (lost || PgErrors.isRetryable(e))) {
                    LOG.warn("{} in the ledger {} failed ({}); trying again on another connection", what, where, e.getMessage());
                    continue;
                }
                throw PgErrors.translate(where, what, e);
            } catch (RuntimeException e) {
                rollbackQuietly(connection, e);
                throw e;
            } finally {
                closeQuietly(connection);
            }
        }
    }

    static void rollbackQuietly(Connection connection, Exception cause) {
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException e) {
            // A dead connection cannot roll back; the server ends its transaction by itself.
            cause.addSuppressed(e);
        }
    }

    static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("cannot return a connection to the pool", e);
        }
    }
}
