package dev.bulwark.cli.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.sqlite.SQLiteConfig;

/**
 * Reads a home's {@code ledger.db} directly, read-only, with the SQLite driver: for waiting on
 * progress without starting a JVM per look, and for the attempt rows, which no command prints.
 * Everything a test asserts about outcomes is also checked through {@code status} and
 * {@code export}; this only adds what those do not show.
 */
final class LedgerFile {

    /** One row of the attempts table. */
    record AttemptRow(long seq, int number, String outcome, String category, Integer exitCode) {
    }

    /** The counters of one item row. */
    record ItemRow(long seq, String status, int attempts, int interruptions, int lastAttempt) {
    }

    private LedgerFile() {
    }

    private static Connection open(Path home) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(10_000);
        return DriverManager.getConnection("jdbc:sqlite:" + home.resolve("ledger.db"), config.toProperties());
    }

    /** Items of the job with a final outcome (SUCCEEDED, FAILED, SKIPPED); 0 while there is no ledger yet. */
    static long finalOutcomes(Path home, UUID job) {
        if (!Files.exists(home.resolve("ledger.db"))) {
            return 0;
        }
        try (Connection c = open(home); PreparedStatement s = c.prepareStatement("SELECT count(*) FROM items i "
                + "JOIN jobs j ON i.job_pk = j.pk WHERE j.id = ? AND i.status IN ('SUCCEEDED', 'FAILED', 'SKIPPED')")) {
            s.setString(1, job.toString());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new AssertionError("cannot read the ledger of " + home + ": " + e, e);
        }
    }

    /** Items of every job together; 0 while there is no ledger or no table yet. */
    static long itemsOfAnyJob(Path home) {
        if (!Files.exists(home.resolve("ledger.db"))) {
            return 0;
        }
        try (Connection c = open(home); PreparedStatement s = c.prepareStatement("SELECT count(*) FROM items")) {
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            return 0; // the schema is still being created
        }
    }

    /** The job's status, if the job is in the ledger. */
    static Optional<String> jobStatus(Path home, UUID job) {
        if (!Files.exists(home.resolve("ledger.db"))) {
            return Optional.empty();
        }
        try (Connection c = open(home); PreparedStatement s = c.prepareStatement("SELECT status FROM jobs WHERE id = ?")) {
            s.setString(1, job.toString());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new AssertionError("cannot read the ledger of " + home + ": " + e, e);
        }
    }

    static List<AttemptRow> attempts(Path home, UUID job) {
        try (Connection c = open(home); PreparedStatement s = c.prepareStatement("SELECT a.seq, a.number, a.outcome, "
                + "a.category, a.exit_code FROM attempts a JOIN jobs j ON a.job_pk = j.pk WHERE j.id = ? "
                + "ORDER BY a.seq, a.number")) {
            s.setString(1, job.toString());
            List<AttemptRow> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int exit = rs.getInt(5);
                    Integer exitCode = rs.wasNull() ? null : exit;
                    rows.add(new AttemptRow(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4), exitCode));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new AssertionError("cannot read the ledger of " + home + ": " + e, e);
        }
    }

    static List<ItemRow> items(Path home, UUID job) {
        try (Connection c = open(home); PreparedStatement s = c.prepareStatement("SELECT i.seq, i.status, i.attempts, "
                + "i.interruptions, i.last_attempt FROM items i JOIN jobs j ON i.job_pk = j.pk WHERE j.id = ? ORDER BY i.seq")) {
            s.setString(1, job.toString());
            List<ItemRow> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(new ItemRow(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getInt(4), rs.getInt(5)));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new AssertionError("cannot read the ledger of " + home + ": " + e, e);
        }
    }
}
