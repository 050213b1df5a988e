package dev.bulwark.cli;

import dev.bulwark.BulwarkException;
import dev.bulwark.NotFoundException;
import dev.bulwark.jdbc.Durability;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.jdbc.LedgerLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * A Bulwark home: {@code ledger.db} (the SQLite ledger), {@code logs/JOB/} (one log per item and
 * the job's {@code events.jsonl}), {@code control/} (cancel and pause requests from other
 * terminals to the process that runs a job) and {@code ledger.db.lock} (the ledger's
 * {@link LedgerLock}, held by the one process that writes the home).
 *
 * @param dir        the home directory
 * @param durability the ledger durability for writers
 */
public record Home(Path dir, Durability durability) {

    /** What another process may ask of the process that holds the lock, through {@code control/}. */
    public enum Request {
        CANCEL, PAUSE, RESET_BREAKER;

        String suffix() {
            return "." + name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        /** The request named {@code name} (as {@link #name()}), or null for a name this version does not know. */
        static Request parse(String name) {
            for (Request r : values()) {
                if (r.name().equals(name)) {
                    return r;
                }
            }
            return null;
        }
    }

    public Path ledgerFile() {
        return dir.resolve("ledger.db");
    }

    public Path logs() {
        return dir.resolve("logs");
    }

    public Path jobLogs(UUID jobId) {
        return logs().resolve(jobId.toString());
    }

    public Path eventsFile(UUID jobId) {
        return jobLogs(jobId).resolve("events.jsonl");
    }

    public Path control() {
        return dir.resolve("control");
    }

    public Path controlFile(UUID jobId, Request request) {
        return control().resolve(jobId + request.suffix());
    }

    /**
     * Takes the home's write lock, creating the home if needed.
     *
     * @return the lock, or empty when another process holds it
     */
    public Optional<Lock> tryLock() {
        try {
            Files.createDirectories(dir);
            Files.createDirectories(logs());
            Files.createDirectories(control());
        } catch (IOException e) {
            throw new BulwarkException("cannot create the Bulwark home " + dir.toAbsolutePath() + ": " + describe(e)
                    + " (choose another with --home DIR or BULWARK_HOME)", e);
        }
        return LedgerLock.tryAcquire(ledgerFile()).map(Lock::new);
    }

    /** Takes the write lock or fails with a message that says who to wait for. */
    public Lock lock() {
        return tryLock().orElseThrow(() -> new HomeBusyException("the Bulwark home " + dir.toAbsolutePath()
                + " is in use by " + LedgerLock.holder(ledgerFile()).orElse("another bulwark process")
                + " (one writer per home); wait for it, "
                + "use 'bulwark cancel JOB' or 'bulwark pause JOB' to stop it, or choose another home with --home DIR"));
    }

    /** Opens the ledger for writing under the home's lock, which stays held when the ledger closes. */
    public SqliteLedger openWriter(Lock lock) {
        return SqliteLedger.open(ledgerFile(), durability, lock.ledgerLock);
    }

    /** Opens the ledger for reading only: works while another process writes it. */
    public SqliteLedger openReader() {
        requireLedger();
        return SqliteLedger.openReadOnly(ledgerFile());
    }

    /** Refuses a home without a ledger: no job has run with it (a mistyped --home or BULWARK_HOME, most likely). */
    void requireLedger() {
        if (!Files.exists(ledgerFile())) {
            throw new NotFoundException("no Bulwark ledger at " + ledgerFile().toAbsolutePath()
                    + ": no job has run with this home yet (choose the home with --home DIR or BULWARK_HOME)");
        }
    }

    static String describe(IOException e) {
        String type = e.getClass().getSimpleName();
        return switch (type) {
            case "AccessDeniedException" -> "permission denied";
            case "FileSystemException", "NoSuchFileException", "NotDirectoryException", "FileAlreadyExistsException" ->
                    type.replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT)
                            + (e.getMessage() == null ? "" : ": " + e.getMessage());
            default -> e.getMessage() == null ? type : e.getMessage();
        };
    }

    /** The home's write lock; released by {@link #close()} or when the process dies. */
    public static final class Lock implements AutoCloseable {
        private final LedgerLock ledgerLock;

        Lock(LedgerLock ledgerLock) {
            this.ledgerLock = ledgerLock;
        }

        @Override
        public void close() {
            ledgerLock.close();
        }
    }

    /** Another process writes this home. */
    public static final class HomeBusyException extends BulwarkException {
        public HomeBusyException(String message) {
            super(message);
        }
    }
}
