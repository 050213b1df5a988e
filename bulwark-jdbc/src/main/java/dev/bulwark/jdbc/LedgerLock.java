package dev.bulwark.jdbc;

import dev.bulwark.BulwarkException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The write lock of an SQLite ledger file: an exclusive operating-system lock on the file
 * {@code LEDGER.lock} beside it, which names its holder (process id and host) inside.
 *
 * <p>{@link SqliteLedger#open(Path, Durability)} takes it for as long as the ledger is open, so one
 * process (and one ledger object) writes a ledger file at a time, whether it is the {@code bulwark}
 * command or a Java program. The operating system releases it when the process ends, however it
 * ends ({@code kill -9} included), so there is never a stale lock to remove. Readers
 * ({@link SqliteLedger#openReadOnly(Path)}) take no lock.
 *
 * <p>A caller that must hold the lock longer than one ledger (the command line holds it for its
 * whole run) takes it with {@link #tryAcquire(Path)} and opens the ledger with
 * {@link SqliteLedger#open(Path, Durability, LedgerLock)}. Thread-safe.
 */
public final class LedgerLock implements AutoCloseable {
    private final Path ledgerFile;
    private final FileChannel channel;

    private LedgerLock(Path ledgerFile, FileChannel channel) {
        this.ledgerFile = ledgerFile;
        this.channel = channel;
    }

    /** The lock file of the ledger at {@code ledgerFile}: {@code LEDGER.lock} in the same directory. */
    public static Path lockFile(Path ledgerFile) {
        Path absolute = ledgerFile.toAbsolutePath().normalize();
        return absolute.resolveSibling(absolute.getFileName() + ".lock");
    }

    /**
     * Takes the write lock of the ledger at {@code ledgerFile}, creating the lock file if needed.
     *
     * @return the lock, or empty when another process, or another open ledger of this process, holds it
     * @throws BulwarkException when the lock file cannot be created or locked
     */
    public static Optional<LedgerLock> tryAcquire(Path ledgerFile) {
        Path absolute = ledgerFile.toAbsolutePath().normalize();
        Path lockFile = lockFile(absolute);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(describeThisProcess().getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            return Optional.of(new LedgerLock(absolute, channel));
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            return Optional.empty();
        } catch (IOException e) {
            closeQuietly(channel);
            throw new BulwarkException("cannot lock the ledger " + absolute + " (lock file " + lockFile + "): "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    /**
     * Takes the write lock of the ledger at {@code ledgerFile} or fails naming who holds it.
     *
     * @throws LedgerBusyException when another writer holds it
     */
    public static LedgerLock acquire(Path ledgerFile) {
        return tryAcquire(ledgerFile).orElseThrow(() -> busy(ledgerFile));
    }

    /** The exception for a ledger whose lock is held by another writer, naming that writer when the lock file does. */
    public static LedgerBusyException busy(Path ledgerFile) {
        Path absolute = ledgerFile.toAbsolutePath().normalize();
        return new LedgerBusyException(absolute, holder(absolute).orElse(null));
    }

    /** Who holds (or last held) the lock of the ledger at {@code ledgerFile}, as its lock file says. */
    public static Optional<String> holder(Path ledgerFile) {
        try {
            String text = Files.readString(lockFile(ledgerFile), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The ledger file this lock guards (absolute). */
    public Path ledgerFile() {
        return ledgerFile;
    }

    /** Whether this lock is still held. */
    public boolean isHeld() {
        return channel.isOpen();
    }

    /** Releases the lock. Idempotent. */
    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static String describeThisProcess() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown host";
        }
        return "process " + ProcessHandle.current().pid() + " on " + host + "\n";
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to do: closing releases the lock
            }
        }
    }

    @Override
    public String toString() {
        return "LedgerLock[" + ledgerFile + (isHeld() ? "]" : ", released]");
    }
}
