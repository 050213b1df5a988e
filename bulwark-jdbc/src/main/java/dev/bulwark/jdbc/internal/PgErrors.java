package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** Sorts PostgreSQL errors (by SQLSTATE) and turns them into messages that name the ledger. */
public final class PgErrors {
    private PgErrors() {
    }

    /**
     * The connection is gone or the server cannot take it (network, restart, admin shutdown, a pool
     * that found no live connection in time). Work that failed this way before its commit was sent
     * wrote nothing and may run again on another connection.
     */
    public static boolean isConnectionLost(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A serialization failure or a deadlock: the transaction was rolled back and may run again. */
    public static boolean isRetryable(SQLException e) {
        String state = e.getSQLState();
        return "40001".equals(state) || "40P01".equals(state);
    }

    /**
     * The data of one write was refused (a constraint, a value out of range): that write alone is
     * at fault, not the database. Its transaction is aborted all the same (PostgreSQL's rule).
     */
    public static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("23") || state.startsWith("22"));
    }

    /**
     * A {@link BulwarkException} for {@code e}, raised while trying to {@code what} (a phrase like
     * "claim items") in the ledger {@code where}.
     */
    public static BulwarkException translate(String where, String what, SQLException e) {
        String detail = e.getMessage();
        String message = "cannot " + what + " in the ledger " + where + ": ";
        if (isConnectionLost(e)) {
            message += "the database cannot be reached or closed the connection (" + detail + "); nothing of this write "
                    + "was recorded. Bulwark reconnects by itself once the database is back";
        } else if ("42501".equals(e.getSQLState())) {
            message += "permission denied (" + detail + "); the database user needs to read and write the ledger's tables";
        } else if ("53100".equals(e.getSQLState())) {
            message += "the database's disk is full; nothing of this write was recorded (" + detail + ")";
        } else {
            message += detail;
        }
        return new BulwarkException(message, e);
    }
}
