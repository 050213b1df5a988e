package dev.bulwark.cli;

import dev.bulwark.BulwarkException;
import dev.bulwark.NotFoundException;
import dev.bulwark.jdbc.Durability;
import dev.bulwark.jdbc.SqliteLedger;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;

/**
 * A Bulwark home: {@code ledger.db} (the SQLite ledger), {@code logs/JOB/} (one log per item and
 * the job's {@code events.jsonl}), {@code control/} (cancel and pause requests from other
 * terminals to the process that runs a job) and {@code lock} (held by the one process that writes
 * the home).
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
        FileChannel channel = null;
        try {
            channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            return Optional.of(new Lock(channel));
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            return Optional.empty();
        } catch (IOException e) {
            closeQuietly(channel);
            throw new BulwarkException("cannot lock the Bulwark home " + dir.toAbsolutePath() + ": " + describe(e), e);
        }
    }

    /** Takes the write lock or fails with a message that says who to wait for. */
    public Lock lock() {
        return tryLock().orElseThrow(() -> new HomeBusyException("the Bulwark home " + dir.toAbsolutePath()
                + " is in use by another bulwark process (one writer per home); wait for it, "
                + "use 'bulwark cancel JOB' or 'bulwark pause JOB' to stop it, or choose another home with --home DIR"));
    }

    /** Opens the ledger for writing; call with the lock held. */
    public SqliteLedger openWriter() {
        return SqliteLedger.open(ledgerFile(), durability);
    }

    /** Opens the ledger for reading only: works while another process writes it. */
    public SqliteLedger openReader() {
        if (!Files.exists(ledgerFile())) {
            throw new NotFoundException("no Bulwark ledger at " + ledgerFile().toAbsolutePath()
                    + ": no job has run with this home yet (choose the home with --home DIR or BULWARK_HOME)");
        }
        return SqliteLedger.openReadOnly(ledgerFile());
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

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    /** The home's write lock; released by {@link #close()} or when the process dies. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;

        Lock(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    /** Another process writes this home. */
    public static final class HomeBusyException extends BulwarkException {
        public HomeBusyException(String message) {
            super(message);
        }
    }
}
