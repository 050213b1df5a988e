package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.Ledger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteLedgerTest extends JdbcLedgerContract {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    @Override
    protected Ledger newLedger() {
        return SqliteLedger.open(file(), Durability.NORMAL);
    }

    @Override
    protected Ledger reopen() {
        return newLedger();
    }

    @Override
    protected Connection rawConnection() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file());
    }

    private SqliteLedger sqlite() {
        return (SqliteLedger) ledger;
    }

    @Test
    void applies_the_migrations_once() throws SQLException {
        ledger.close();
        ledger = newLedger();
        ledger.close();

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, description FROM schema_version ORDER BY version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(rs.getString(2)).isEqualTo("create ledger");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(2);
            assertThat(rs.getString(2)).isEqualTo("item results");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(3);
            assertThat(rs.getString(2)).isEqualTo("named breakers");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(4);
            assertThat(rs.getString(2)).isEqualTo("order scopes");
            assertThat(rs.next()).isFalse();
        }
        ledger = newLedger();
    }

    @Test
    void refuses_a_ledger_written_by_a_newer_version() throws SQLException {
        ledger.close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file()); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'from the future', 0)");
        }

        assertThatThrownBy(this::newLedger).isInstanceOf(BulwarkException.class)
                .hasMessageContaining(file().toString()).hasMessageContaining("schema version 99").hasMessageContaining("newer");
        assertThatThrownBy(() -> SqliteLedger.openReadOnly(file())).isInstanceOf(BulwarkException.class)
                .hasMessageContaining("newer");
        ledger = SqliteLedger.open(dir.resolve("other.db"));
    }

    @Test
    void uses_wal_and_the_chosen_durability() {
        assertThat(sqlite().pragma("journal_mode")).isEqualTo("wal");
        assertThat(sqlite().pragma("synchronous")).isEqualTo("1");
        assertThat(sqlite().pragma("foreign_keys")).isEqualTo("1");
        assertThat(sqlite().pragma("busy_timeout")).isNotEqualTo("0");

        try (SqliteLedger full = SqliteLedger.open(dir.resolve("full.db"), Durability.FULL)) {
            assertThat(full.pragma("synchronous")).isEqualTo("2");
        }
    }

    @Test
    void a_read_only_ledger_reads_beside_the_writer_and_refuses_writes() {
        Job job = jobWithItems(2);

        try (SqliteLedger reader = SqliteLedger.openReadOnly(file())) {
            assertThat(reader.findJob(job.id())).isPresent();
            succeed(claimOne(job));
            assertThat(reader.counts(job.id()).succeeded()).isEqualTo(1);

            assertThatThrownBy(() -> reader.createJob(Job.newJob(UUID.randomUUID(), "x", JobConfig.builder().build(), T0)))
                    .isInstanceOf(BulwarkException.class).hasMessageContaining("read-only").hasMessageContaining(file().toString());
            assertThatThrownBy(() -> reader.claim(job.id(), T0, 1, false)).isInstanceOf(BulwarkException.class)
                    .hasMessageContaining("read-only");
            assertThatThrownBy(() -> reader.appendEvent(new EngineEvent.JobPaused(job.id(), T0, "paused")))
                    .isInstanceOf(BulwarkException.class).hasMessageContaining("read-only");
        }
        assertThat(ledger.counts(job.id()).pending()).isEqualTo(1);
    }

    @Test
    void opening_read_only_a_file_that_does_not_exist_names_it() {
        Path missing = dir.resolve("missing.db");

        assertThatThrownBy(() -> SqliteLedger.openReadOnly(missing)).isInstanceOf(BulwarkException.class)
                .hasMessageContaining(missing.toString());
        assertThat(missing).doesNotExist();
    }

    @Test
    void opening_in_a_missing_directory_names_it() {
        Path missing = dir.resolve("no-such-dir").resolve("ledger.db");

        assertThatThrownBy(() -> SqliteLedger.open(missing)).isInstanceOf(BulwarkException.class)
                .hasMessageContaining(missing.getParent().toString()).hasMessageContaining("does not exist");
    }

    @Test
    void opening_in_a_read_only_directory_names_it() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeThat(Files.isWritable(locked)).as("the directory is read-only for this user (not root)").isFalse();

            assertThatThrownBy(() -> SqliteLedger.open(locked.resolve("ledger.db"))).isInstanceOf(BulwarkException.class)
                    .hasMessageContaining(locked.toString()).hasMessageContaining("not writable");
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void opening_a_file_that_is_not_a_ledger_names_it() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.db"), "this is not a database, just text that is long enough ".repeat(40));

        assertThatThrownBy(() -> SqliteLedger.open(junk)).isInstanceOf(BulwarkException.class)
                .hasMessageContaining(junk.toString());
    }

    @Test
    void a_full_disk_fails_the_outcome_with_a_clear_message_and_records_nothing() {
        Job job = jobWithItems(2);
        List<Item> claimed = ledger.claim(job.id(), T0, 2, false);
        succeed(claimed.get(0));
        Item item = claimed.get(1);
        Attempt big = new Attempt(job.id(), item.seq(), item.lastAttempt(), T0, T0.plusSeconds(1), AttemptOutcome.FAILED, null,
                "exit:1", "x".repeat(500_000), 1, 1_000, WORKER, null);
        String pages = sqlite().pragma("page_count");
        // The database may not grow: the same error SQLite gives when the disk is full.
        sqlite().pragma("max_page_count = " + pages);

        CompletableFuture<Void> outcome = ledger.complete(Completion.of(big, item.fence(), ItemStatus.FAILED));

        assertThatThrownBy(outcome::join).cause().isInstanceOf(BulwarkException.class)
                .hasMessageContaining("full").hasMessageContaining(file().toString());
        assertThat(ledger.findItem(job.id(), item.seq())).contains(item);
        assertThat(ledger.attempts(job.id(), item.seq())).isEmpty();
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.SUCCEEDED);

        sqlite().pragma("max_page_count = 1000000");
        ledger.complete(Completion.of(big, item.fence(), ItemStatus.FAILED)).join();
        assertThat(ledger.findItem(job.id(), item.seq()).orElseThrow().status()).isEqualTo(ItemStatus.FAILED);
    }

    @Test
    void close_commits_queued_outcomes_and_stops_the_writer_thread() {
        Job job = jobWithItems(100);
        List<CompletableFuture<Void>> outcomes = new ArrayList<>();
        for (Item item : ledger.claim(job.id(), T0, 100, false)) {
            outcomes.add(ledger.complete(Completion.of(attempt(item, AttemptOutcome.SUCCEEDED), item.fence(), ItemStatus.SUCCEEDED)));
        }
        long writers = writerThreads();

        ledger.close();
        ledger.close();

        assertThat(outcomes).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(writerThreads()).isEqualTo(writers - 1);
        assertThatThrownBy(() -> ledger.findJob(job.id())).isInstanceOf(BulwarkException.class).hasMessageContaining("closed");
        ledger = newLedger();
        assertThat(ledger.counts(job.id()).succeeded()).isEqualTo(100);
    }

    private static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("bulwark-ledger-writer") && t.isDaemon() && t.isAlive())
                .count();
    }
}
