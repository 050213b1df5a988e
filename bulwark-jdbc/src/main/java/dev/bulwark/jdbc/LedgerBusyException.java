package dev.bulwark.jdbc;

import dev.bulwark.BulwarkException;
import java.nio.file.Path;
import java.util.Optional;

/** Another writer holds the ledger file: one process (and one open ledger) writes an SQLite ledger at a time. */
public class LedgerBusyException extends BulwarkException {
    private final Path ledgerFile;
    private final String holder;

    /**
     * @param ledgerFile the ledger file
     * @param holder     who holds its lock, as its lock file says, or null when unknown
     */
    public LedgerBusyException(Path ledgerFile, String holder) {
        super("the ledger " + ledgerFile + " is being written by "
                + (holder == null ? "another writer" : holder)
                + " (one writer per ledger file); wait for it to finish or close the ledger, "
                + "or open it with SqliteLedger.openReadOnly to read it meanwhile");
        this.ledgerFile = ledgerFile;
        this.holder = holder;
    }

    /** The ledger file that is busy. */
    public Path ledgerFile() {
        return ledgerFile;
    }

    /** Who holds its lock (process id and host), when the lock file names it. */
    public Optional<String> holder() {
        return Optional.ofNullable(holder);
    }
}
