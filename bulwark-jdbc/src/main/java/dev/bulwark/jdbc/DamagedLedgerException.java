package dev.bulwark.jdbc;

import dev.bulwark.BulwarkException;
import java.nio.file.Path;

/**
 * The SQLite ledger is damaged (it fails SQLite's integrity check, its write-ahead log is damaged,
 * or it is not an SQLite database at all): Bulwark refuses to write into it. The message says what
 * was found and what to do: restore a backup, or salvage what can still be read.
 */
public final class DamagedLedgerException extends BulwarkException {
    private final transient Path file;

    public DamagedLedgerException(Path file, String message) {
        super(message);
        this.file = file;
    }

    /** The ledger file. */
    public Path file() {
        return file;
    }
}
