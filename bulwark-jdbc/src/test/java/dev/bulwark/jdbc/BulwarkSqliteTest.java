package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.Classification;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.PermanentException;
import dev.bulwark.Retry;
import dev.bulwark.RunningBatch;
import dev.bulwark.SettableClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Java API over the durable SQLite ledger: audit trail across reopen, resume after a stop, chunked inserts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BulwarkSqliteTest {
    @TempDir
    Path dir;
    private final SettableClock clock = new SettableClock();

    @Test
    void keeps_the_run_its_configuration_and_its_review_queue_across_a_reopen() {
        java.util.UUID jobId;
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"))) {
            jobId = Bulwark.strings(List.of("a", "bad", "c"))
                    .name("nightly import")
                    .handler(k -> {
                        if (k.equals("bad")) {
                            throw new PermanentException("parse", "not XML");
                        }
                    })
                    .concurrency(2)
                    .retry(Retry.exponential(3, Duration.ofSeconds(2)))
                    .describe("source", "inbox")
                    .ledger(ledger).clock(clock).run().jobId();
        }

        try (SqliteLedger ledger = SqliteLedger.openReadOnly(dir.resolve("ledger.db"))) {
            Job job = ledger.findJob(jobId).orElseThrow();
            assertThat(job.name()).isEqualTo("nightly import");
            assertThat(job.status()).isEqualTo(JobStatus.PARTIAL);
            assertThat(job.config().concurrency()).isEqualTo(2);
            assertThat(job.config().retry().maxAttempts()).isEqualTo(4);
            assertThat(job.config().input()).containsEntry("source", "inbox").containsEntry("api", "java");
            Item bad = ledger.findItem(jobId, 2).orElseThrow();
            assertThat(bad.category()).isEqualTo("parse");
            assertThat(bad.message()).isEqualTo("not XML");
        }
    }

    @Test
    void resumes_a_stopped_batch_after_the_ledger_was_reopened() throws Exception {
        Path file = dir.resolve("ledger.db");
        CountDownLatch third = new CountDownLatch(1);
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        java.util.UUID jobId;
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            RunningBatch running = Bulwark.strings(List.of("t1", "t2", "t3", "t4"))
                    .handlerWithContext((token, ctx) -> {
                        ran.add(token);
                        if (token.equals("t3")) {
                            third.countDown();
                            CountDownLatch stopped = new CountDownLatch(1);
                            ctx.attemptContext().onStop(stopped::countDown);
                            stopped.await(20, TimeUnit.SECONDS);
                            throw new InterruptedException("stopped");
                        }
                    })
                    .ordered().ledger(ledger).clock(clock).start();
            assertThat(third.await(10, TimeUnit.SECONDS)).isTrue();
            running.pause("shutting down");
            assertThat(running.await().status()).isEqualTo(JobStatus.PAUSED);
            jobId = running.jobId();
        }

        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            BatchResult resumed = Bulwark.strings(List.of()).handler(ran::add).ledger(ledger).clock(clock).resume(jobId);

            assertThat(resumed.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(ran).containsExactly("t1", "t2", "t3", "t3", "t4");
            assertThat(resumed.attempts(3)).extracting(Attempt::outcome)
                    .containsExactly(AttemptOutcome.INTERRUPTED, AttemptOutcome.SUCCEEDED);
        }
    }

    @Test
    void inserts_rows_in_chunks_and_isolates_the_row_that_breaks_a_constraint() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("shop.db");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("create table orders (id integer primary key, amount integer not null check (amount >= 0))");
        }
        List<Integer> amounts = IntStream.rangeClosed(1, 20).map(i -> i == 13 ? -5 : i * 10).boxed().toList();

        BatchResult result;
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"))) {
            result = Bulwark.batch(IntStream.rangeClosed(1, 20).boxed().toList())
                    .key(id -> "order-" + id)
                    .chunks(5, ids -> insert(url, ids, amounts))
                    .classify(e -> e instanceof SQLException sql && sql.getMessage().contains("CONSTRAINT")
                            ? Classification.permanent("constraint") : null)
                    .concurrency(2)
                    .chunkLinger(Duration.ofSeconds(5))
                    .ledger(ledger).clock(clock).run();
            assertThat(result.failures().map(Item::key)).containsExactly("order-13");
            assertThat(result.failures().findFirst().orElseThrow().errorClass()).isEqualTo(ErrorClass.PERMANENT);
        }
        assertThat(result.succeeded()).isEqualTo(19);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*), sum(amount) from orders")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(19);
            assertThat(rs.getInt(2)).isEqualTo(2100 - 130);
        }
    }

    /** One transaction per chunk: all rows or none. */
    private static void insert(String url, List<Integer> ids, List<Integer> amounts) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            c.createStatement().execute("pragma busy_timeout = 10000");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("insert into orders (id, amount) values (?, ?)")) {
                for (int id : ids) {
                    ps.setInt(1, id);
                    ps.setInt(2, amounts.get(id - 1));
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    @Test
    void a_critical_error_in_a_chunk_is_named_on_the_item_that_threw_it_on_every_run_over_sqlite() {
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("chunks.db"))) {
            for (int run = 1; run <= 10; run++) {
                BatchResult result = Bulwark.batch(IntStream.rangeClosed(1, 40).boxed().toList())
                        .key(i -> "order-" + i)
                        .chunks(5, chunk -> {
                            if (chunk.contains(23)) {
                                throw new dev.bulwark.CriticalException("ledger", "order 23 names an unknown account");
                            }
                        })
                        .chunkLinger(Duration.ofSeconds(5))
                        .ledger(ledger).clock(clock).run();

                assertThat(result.reason()).as("run %d", run).startsWith("critical error on item 23 (order-23)");
                assertThat(IntStream.rangeClosed(21, 25).mapToObj(seq -> ledger.findItem(result.jobId(), seq).orElseThrow().status()))
                        .as("run %d", run).containsExactly(dev.bulwark.ItemStatus.SUCCEEDED, dev.bulwark.ItemStatus.SUCCEEDED,
                                dev.bulwark.ItemStatus.FAILED, dev.bulwark.ItemStatus.SKIPPED, dev.bulwark.ItemStatus.SKIPPED);
            }
        }
    }
}
