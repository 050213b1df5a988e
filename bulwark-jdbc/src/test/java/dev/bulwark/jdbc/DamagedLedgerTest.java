package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.NewItem;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged ledger is refused when a writer opens it, with a message that says what was found and
 * what to do, and not one byte of it (nor of its write-ahead log) is written.
 */
class DamagedLedgerTest {
    private static final int PAGE = 4096;
    private static final int ITEMS = 3000;

    @TempDir
    Path dir;

    /** A closed ledger of one job with {@value #ITEMS} items (several hundred KiB: many pages). */
    private Path cleanLedger() {
        Path file = dir.resolve("ledger.db");
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            fill(ledger);
        }
        return file;
    }

    private static UUID fill(SqliteLedger ledger) {
        Job job = Job.newJob(UUID.randomUUID(), "job", JobConfig.builder().build(), Instant.parse("2026-01-01T00:00:00Z"));
        ledger.createJob(job);
        ledger.addItems(job.id(), IntStream.rangeClosed(1, ITEMS)
                .mapToObj(i -> new NewItem(i, "/data/inbox/some-longer-file-name-" + i + ".txt", null, null)).toList());
        return job.id();
    }

    /**
     * The ledger and write-ahead log as a crash leaves them: copied while a writer has them open,
     * after commits that are still in the log.
     */
    private Path crashedLedgerWithLog() throws IOException {
        Path live = Files.createDirectories(dir.resolve("live")).resolve("ledger.db");
        Path copy = Files.createDirectories(dir.resolve("crashed")).resolve("ledger.db");
        try (SqliteLedger ledger = SqliteLedger.open(live)) {
            fill(ledger);
            fill(ledger);
            Files.copy(live, copy);
            Files.copy(Path.of(live + "-wal"), Path.of(copy + "-wal"));
        }
        assertThat(Files.size(Path.of(copy + "-wal"))).as("the commits are in the log").isGreaterThan(10L * PAGE);
        return copy;
    }

    private static void overwrite(Path file, long offset, int length) throws IOException {
        byte[] garbage = new byte[length];
        new Random(42).nextBytes(garbage);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(garbage);
        }
    }

    private static String digest(Path file) throws Exception {
        // an absent log and an empty one are the same: SQLite's read-only connection may create it empty
        byte[] content = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    /** Opening for writing is refused naming {@code what}, and neither the file nor its log changes. */
    private static void refused(Path file, String what) throws Exception {
        Path wal = Path.of(file + "-wal");
        String before = digest(file);
        String walBefore = digest(wal);
        assertThatThrownBy(() -> SqliteLedger.open(file).close())
                .isInstanceOf(DamagedLedgerException.class)
                .hasMessageContaining("the ledger " + file + " is damaged: ")
                .hasMessageContaining(what)
                .hasMessageContaining("Bulwark does not write into a damaged ledger")
                .hasMessageContaining("Restore the last backup")
                .hasMessageContaining("'bulwark export JOB' reads without writing");
        assertThat(digest(file)).as("the ledger is not written").isEqualTo(before);
        assertThat(digest(wal)).as("the write-ahead log is not written").isEqualTo(walBefore);
    }

    @Test
    void a_ledger_cut_short_is_refused() throws Exception {
        Path file = cleanLedger();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        refused(file, "");
    }

    @Test
    void a_ledger_with_a_garbage_page_in_the_middle_is_refused() throws Exception {
        Path file = cleanLedger();
        long pages = Files.size(file) / PAGE;
        overwrite(file, (pages / 2) * PAGE, PAGE);
        refused(file, "");
    }

    @Test
    void a_ledger_with_a_garbage_header_is_refused() throws Exception {
        Path file = cleanLedger();
        overwrite(file, 0, 100);
        refused(file, "it is not an SQLite database (or its header is damaged)");
    }

    @Test
    void a_file_that_is_not_a_database_is_refused() throws Exception {
        Path file = dir.resolve("ledger.db");
        Files.writeString(file, "these are my notes, not a ledger\n".repeat(200));
        refused(file, "it is not an SQLite database");
    }

    @Test
    void a_write_ahead_log_with_a_damaged_header_is_refused() throws Exception {
        Path file = crashedLedgerWithLog();
        overwrite(Path.of(file + "-wal"), 0, 32);
        refused(file, "its write-ahead log ledger.db-wal is damaged: its header is not a write-ahead log header");
    }

    @Test
    void a_write_ahead_log_with_a_damaged_frame_before_later_commits_is_refused() throws Exception {
        Path file = crashedLedgerWithLog();
        // the page data of the second frame: SQLite would silently drop every transaction after it
        overwrite(Path.of(file + "-wal"), 32 + (24 + PAGE) + 24 + 100, 64);
        refused(file, "commits a transaction that SQLite would not read, because an earlier frame is damaged");
        assertThat(refusedMessage(file)).contains("sqlite3 " + file + " 'PRAGMA wal_checkpoint(TRUNCATE)'");
    }

    private static String refusedMessage(Path file) {
        try {
            SqliteLedger.open(file).close();
            throw new AssertionError("opened");
        } catch (DamagedLedgerException e) {
            return e.getMessage();
        }
    }

    @Test
    void a_sound_ledger_and_the_log_a_crash_left_open_with_every_commit() throws Exception {
        Path file = crashedLedgerWithLog();
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            List<Job> jobs = ledger.listJobs(dev.bulwark.ledger.JobQuery.all());
            assertThat(jobs).hasSize(2);
            for (Job job : jobs) {
                assertThat(ledger.items(job.id(), ItemQuery.all(ITEMS + 1))).hasSize(ITEMS);
            }
        }
        Path clean = dir.resolve("clean");
        Files.createDirectories(clean);
        Files.copy(cleanLedger(), clean.resolve("ledger.db"), StandardCopyOption.REPLACE_EXISTING);
        SqliteLedger.open(clean.resolve("ledger.db")).close();
    }
}
