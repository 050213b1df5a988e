package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteException;

/** Turns SQLite errors into messages that name the ledger file and say what to do. */
public final class SqlErrors {
    private static final int BUSY = 5;
    private static final int LOCKED = 6;
    private static final int READONLY = 8;
    private static final int IOERR = 10;
    private static final int CORRUPT = 11;
    private static final int FULL = 13;
    private static final int CANTOPEN = 14;
    private static final int CONSTRAINT = 19;
    private static final int NOTADB = 26;

    private SqlErrors() {
    }

    /** The primary SQLite result code of {@code e} (extended codes carry it in their low byte). */
    public static int primaryCode(SQLException e) {
        int code = e instanceof SQLiteException s ? s.getResultCode().code : e.getErrorCode();
        return code & 0xff;
    }

    /** A constraint violation rolls back only its own statement: the transaction goes on. */
    public static boolean isConstraint(SQLException e) {
        return primaryCode(e) == CONSTRAINT;
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
            case FULL -> "the disk is full; nothing of this write was recorded. Free some space, then resume the job";
            case READONLY -> "the file is read-only (check the permissions of the file and of its directory)";
            case CANTOPEN -> "SQLite cannot open or create the file (check that its directory exists and is writable)";
            case IOERR -> "I/O error (" + detail + ")";
            case CORRUPT, NOTADB -> "the file is damaged or is not a Bulwark ledger (" + detail + "); restore the last backup, "
                    + "see docs/operations.md (A damaged ledger)";
            case BUSY, LOCKED -> "it is locked by another process; only one process may write a Bulwark home at a time";
            default -> detail;
        };
        return new BulwarkException(message, e);
    }
}
