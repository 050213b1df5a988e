package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Turns SQLite errors into messages that name the ledger file and say what to do. */
public final class SqlErrors {
    private SqlErrors() {
    }

    /** The primary SQLite result code of {@code e} (extended codes carry it in their low byte). */
    public static SQLiteErrorCode primaryCode(SQLException e) {
        int code = e instanceof SQLiteException s ? s.getResultCode().code : e.getErrorCode();
        return SQLiteErrorCode.getErrorCode(code & 0xff);
    }

    /** A constraint violation rolls back only its own statement: the transaction goes on. */
    public static boolean isConstraint(SQLException e) {
        return primaryCode(e) == SQLiteErrorCode.SQLITE_CONSTRAINT;
    }

    /**
     * A {@link BulwarkException} for {@code e}, raised while trying to {@code what} (a phrase
     * ending in "the ledger", like "write to the ledger") on {@code file}.
     */
    public static BulwarkException translate(Path file, String what, SQLException e) {
        return translate(file.toString(), what, e);
    }

    /** As {@link #translate(Path, String, SQLException)}, for the file named {@code file}. */
    public static BulwarkException translate(String file, String what, SQLException e) {
        String detail = e.getMessage();
        String prefix = "cannot " + what + " " + file + ": ";
        String message = prefix + switch (primaryCode(e)) {
            case SQLITE_FULL -> "the disk is full; nothing of this write was recorded. Free some space, then resume the job";
            case SQLITE_READONLY -> "the file is read-only (check the permissions of the file and of its directory)";
            case SQLITE_CANTOPEN -> "SQLite cannot open or create the file (check that its directory exists and is writable)";
            case SQLITE_IOERR -> "I/O error (" + detail + ")";
            case SQLITE_CORRUPT, SQLITE_NOTADB -> "the file is damaged or is not a Bulwark ledger (" + detail + "); restore the last backup, "
                    + "see docs/operations.md (A damaged ledger)";
            case SQLITE_BUSY, SQLITE_LOCKED -> "it is locked by another process; only one process may write a Bulwark home at a time";
            default -> detail;
        };
        return new BulwarkException(message, e);
    }
}
