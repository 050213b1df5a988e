package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * Opens connections to a ledger file. Paths are checked first because SQLite reports a missing
 * or read-only directory only as "unable to open the database file", which names nothing.
 */
public final class SqliteConnector {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteConnector.class);

    /** How long a connection waits for a lock held by another connection before giving up. */
    public static final int BUSY_TIMEOUT_MS = 10_000;

    private SqliteConnector() {
    }

    /** A read-write connection in WAL mode with the given {@code synchronous} setting, in auto-commit mode. */
    public static Connection openWriter(Path file, String synchronous) {
        checkWritable(file);
        SQLiteConfig config = baseConfig();
        Connection connection = connect(file, config);
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA foreign_keys = ON");
            s.execute("PRAGMA synchronous = " + synchronous);
            // A larger page cache keeps the claim and retry indexes of big jobs in memory.
            s.execute("PRAGMA cache_size = -32768");
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                String mode = rs.next() ? rs.getString(1) : "?";
                if (!"wal".equals(mode.toLowerCase(Locale.ROOT))) {
                    // Happens on file systems without shared memory (some network mounts): still
                    // correct, but readers then block the writer.
                    LOG.warn("the ledger {} cannot use WAL mode (journal mode is {}); put the Bulwark home on a local disk", file, mode);
                }
            }
            return connection;
        } catch (SQLException e) {
            closeQuietly(connection);
            throw SqlErrors.translate(file, "open the ledger", e);
        }
    }

    /** A read-only connection: works beside a running writer thanks to WAL. */
    public static Connection openReader(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BulwarkException("there is no ledger at " + file + " (no such file)");
        }
        if (!Files.isReadable(file)) {
            throw new BulwarkException("cannot read the ledger " + file + ": permission denied");
        }
        SQLiteConfig config = baseConfig();
        config.setReadOnly(true);
        return connect(file, config);
    }

    private static SQLiteConfig baseConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        return config;
    }

    private static Connection connect(Path file, SQLiteConfig config) {
        Properties properties = config.toProperties();
        try {
            return DriverManager.getConnection("jdbc:sqlite:" + file, properties);
        } catch (SQLException e) {
            throw SqlErrors.translate(file, "open the ledger", e);
        }
    }

    public static void checkWritable(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.exists(dir)) {
            throw new BulwarkException("cannot open the ledger " + file + ": the directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new BulwarkException("cannot open the ledger " + file + ": " + dir + " is not a directory");
        }
        if (Files.isDirectory(file)) {
            throw new BulwarkException("cannot open the ledger " + file + ": it is a directory, not a file");
        }
        if (!Files.isWritable(dir)) {
            throw new BulwarkException("cannot open the ledger " + file + " for writing: the directory " + dir
                    + " is not writable (SQLite keeps its write-ahead log next to the file); "
                    + "fix the permissions or choose another --home");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new BulwarkException("cannot open the ledger " + file + " for writing: the file is not writable");
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // The open already failed; that error is the one worth reporting.
        }
    }
}
