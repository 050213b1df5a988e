package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.LedgerContract;
import dev.bulwark.ledger.NewItem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The ledger contract plus what every JDBC ledger owes beyond it (durability across a reopen,
 * a refused row failing alone, large batches), run by {@link SqliteLedgerTest} and
 * {@link PostgresLedgerTest} alike.
 */
abstract class JdbcLedgerContract extends LedgerContract {
    /** Another ledger on the storage of the current one (the same file, the same schema). */
    protected abstract Ledger reopen();

    /** A plain connection to the current ledger's storage, to read and write rows as another version would. */
    protected abstract Connection rawConnection() throws SQLException;

    @Test
    void stores_events_as_the_previous_version_did_and_reads_its_rows_back_as_records() throws SQLException {
        Job job = jobWithItems(2);
        UUID id = job.id();
        Instant until = T0.plusSeconds(60);
        // Written by this version: the stored data is the JSON the previous version wrote for these events.
        ledger.appendEvent(new EngineEvent.ItemsFound(id, T0, 987_654_321));
        ledger.appendEvent(new EngineEvent.BreakerOpened(id, T0, "db", State.CLOSED, until, 1, "5 consecutive failures"));
        ledger.appendEvent(new EngineEvent.ItemFailed(id, T0, 2, "b", 0, null, null, null, "breaker-open", "open",
                ErrorClass.PERMANENT, "db")).join();
        ledger.flush();
        // Rows as the previous version wrote them (its maps had no fixed order), and one of a newer version.
        String[][] old = {
                {"1", EngineEvent.ITEM_RETRY_SCHEDULED, "{\"retry_at\":\"" + until + "\",\"error_class\":\"transient\",\"attempt\":1,"
                        + "\"key\":\"a\",\"duration_ms\":1500,\"category\":\"timeout\",\"message\":\"timed out after 1s\"}"},
                {"0", EngineEvent.BREAKER_HALF_OPEN, "{\"reason\":\"open time passed\",\"to\":\"HALF_OPEN\",\"scope\":\"db\","
                        + "\"reopens\":1,\"from\":\"OPEN\"}"},
                {"0", EngineEvent.JOB_FINISHED, "{\"retries\":1,\"status\":\"PARTIAL\",\"skipped\":0,\"failed\":1,"
                        + "\"succeeded\":1,\"duration_ms\":2500}"},
                {"0", "job_migrated", "{\"to\":\"eu-west\"}"}};
        try (Connection c = rawConnection()) {
            List<String> stored = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT data FROM events WHERE job_pk = (SELECT job_pk FROM events "
                    + "WHERE data = ?) ORDER BY id")) {
                ps.setString(1, "{\"count\":987654321}");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        stored.add(rs.getString(1));
                    }
                }
            }
            assertThat(stored).containsExactly("{\"count\":987654321}",
                    "{\"scope\":\"db\",\"from\":\"CLOSED\",\"to\":\"OPEN\",\"open_until\":\"" + until
                            + "\",\"reopens\":1,\"reason\":\"5 consecutive failures\"}",
                    "{\"key\":\"b\",\"category\":\"breaker-open\",\"message\":\"open\",\"error_class\":\"permanent\",\"scope\":\"db\"}");
            for (String[] row : old) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO events (job_pk, at, seq, type, data) SELECT job_pk, at, ?, ?, ? "
                        + "FROM events WHERE data = ?")) {
                    ps.setLong(1, Long.parseLong(row[0]));
                    ps.setString(2, row[1]);
                    ps.setString(3, row[2]);
                    ps.setString(4, "{\"count\":987654321}");
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
            }
        }

        assertThat(ledger.events(id, 100)).containsExactly(
                new EngineEvent.ItemsFound(id, T0, 987_654_321),
                new EngineEvent.BreakerOpened(id, T0, "db", State.CLOSED, until, 1, "5 consecutive failures"),
                new EngineEvent.ItemFailed(id, T0, 2, "b", 0, null, null, null, "breaker-open", "open", ErrorClass.PERMANENT, "db"),
                new EngineEvent.ItemRetryScheduled(id, T0, 1, "a", 1, Duration.ofMillis(1500), null, null, "timeout",
                        "timed out after 1s", ErrorClass.TRANSIENT, until),
                new EngineEvent.BreakerHalfOpen(id, T0, "db", State.OPEN, 1, "open time passed"),
                new EngineEvent.JobFinished(id, T0, JobStatus.PARTIAL, null, 1, 1, 0, 1, null, Duration.ofMillis(2500)),
                new EngineEvent.Other("job_migrated", id, T0, 0, Map.of("to", "eu-west")));
    }

    @Test
    void keeps_everything_across_close_and_reopen() {
        Job job = jobWithItems(3);
        List<Item> claimed = ledger.claim(job.id(), T0, 2, false);
        succeed(claimed.get(0));
        EngineEvent event = EngineEvent.of(EngineEvent.ITEM_FAILED, job.id(), T0, 2, Map.of("category", "timeout"));
        // Neither is awaited: close() must record them.
        ledger.complete(Completion.of(attempt(claimed.get(1), AttemptOutcome.FAILED), claimed.get(1).fence(), ItemStatus.FAILED));
        ledger.appendEvent(event);
        Job stored = ledger.findJob(job.id()).orElseThrow();
        ledger.close();

        ledger = reopen();

        assertThat(ledger.findJob(job.id())).contains(stored);
        assertThat(ledger.items(job.id(), ItemQuery.all(10))).extracting(Item::status)
                .containsExactly(ItemStatus.SUCCEEDED, ItemStatus.FAILED, ItemStatus.PENDING);
        assertThat(ledger.attempts(job.id(), 2)).containsExactly(attempt(claimed.get(1), AttemptOutcome.FAILED));
        assertThat(ledger.events(job.id(), 10)).containsExactly(event);
        assertThat(claimOne(job).fence()).isGreaterThan(claimed.get(1).fence());
    }

    @Test
    void keeps_results_across_close_and_reopen() {
        Job job = jobWithItems(2);
        List<Item> claimed = ledger.claim(job.id(), T0, 2, false);
        ledger.complete(Completion.succeeded(attempt(claimed.get(0), AttemptOutcome.SUCCEEDED), claimed.get(0).fence(),
                "{\"bytes\":1024}"));
        ledger.complete(Completion.succeeded(attempt(claimed.get(1), AttemptOutcome.SUCCEEDED), claimed.get(1).fence(), null));
        ledger.close();

        ledger = reopen();

        assertThat(ledger.items(job.id(), ItemQuery.all(10))).extracting(Item::result).containsExactly("{\"bytes\":1024}", null);
    }

    @Test
    void a_completion_the_database_refuses_fails_alone() {
        Job job = jobWithItems(3);
        Item first = claimOne(job);
        retryAt(first, T0);
        Item again = claimOne(job);
        List<Item> others = ledger.claim(job.id(), T0, 2, false);
        // Attempt 1 of item 1 is recorded already: the attempts table refuses a second one.
        Attempt reused = new Attempt(job.id(), 1, 1, T0, T0.plusSeconds(1), AttemptOutcome.SUCCEEDED, null, null, null, 0,
                1_000, WORKER, null);

        List<CompletableFuture<Void>> futures = List.of(
                ledger.complete(Completion.of(attempt(others.get(0), AttemptOutcome.SUCCEEDED), others.get(0).fence(), ItemStatus.SUCCEEDED)),
                ledger.complete(Completion.of(reused, again.fence(), ItemStatus.SUCCEEDED)),
                ledger.complete(Completion.of(attempt(others.get(1), AttemptOutcome.SUCCEEDED), others.get(1).fence(), ItemStatus.SUCCEEDED)));
        ledger.flush();

        assertThat(futures.get(0)).isCompleted();
        assertThatThrownBy(futures.get(1)::join).cause().isInstanceOf(BulwarkException.class).hasMessageContaining("attempt 1");
        assertThat(futures.get(2)).isCompleted();
        assertThat(ledger.findItem(job.id(), 1)).contains(again);
        assertThat(ledger.attempts(job.id(), 1)).hasSize(1);
        assertThat(ledger.counts(job.id()).succeeded()).isEqualTo(2);
    }

    @Test
    void adds_items_in_large_batches() {
        Job job = newJob("big", T0);
        for (int batch = 0; batch < 5; batch++) {
            List<NewItem> items = new ArrayList<>();
            for (int i = 1; i <= 5_000; i++) {
                long seq = batch * 5_000L + i;
                items.add(new NewItem(seq, "item-" + seq, "{\"n\":" + seq + "}", "scope-" + (seq % 7)));
            }
            ledger.addItems(job.id(), items);
        }

        assertThat(ledger.findJob(job.id()).orElseThrow().total()).isEqualTo(25_000);
        assertThat(ledger.claim(job.id(), T0, 300, false)).hasSize(300).extracting(Item::seq).startsWith(1L, 2L);
    }
}
