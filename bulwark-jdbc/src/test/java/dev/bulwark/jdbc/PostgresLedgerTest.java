package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.Ledger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ledger contract on PostgreSQL, plus what only the PostgreSQL ledger does. Each ledger gets a schema of its own. */
class PostgresLedgerTest extends JdbcLedgerContract {
    private static PgTestDatabase db;

    private String schema;

    @BeforeAll
    static void createDatabase() {
        db = PgTestDatabase.create("contract");
    }

    @AfterAll
    static void dropDatabase() {
        if (db != null) {
            db.close();
        }
    }

    @Override
    protected Ledger newLedger() {
        schema = db.newSchema();
        return reopen();
    }

    /** Another ledger on the same schema as the current one. */
    @Override
    protected PostgresLedger reopen() {
        return PostgresLedger.open(db.url(schema, null), null, null);
    }

    @Override
    protected Connection rawConnection() throws SQLException {
        return db.connect(schema);
    }

    private PostgresLedger pg() {
        return (PostgresLedger) ledger;
    }

    @Test
    void applies_the_migrations_once_and_stamps_them_with_the_database_clock() throws SQLException {
        Instant before = pg().databaseNow();
        ledger.close();
        ledger = reopen();

        try (Connection c = db.connect(schema); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, description, applied_at FROM schema_version ORDER BY version")) {
            for (String script : dev.bulwark.jdbc.postgres.PostgresDialect.SCRIPTS) {
                assertThat(rs.next()).isTrue();
                assertThat(script).startsWith(String.format("V%03d__", rs.getInt(1)))
                        .contains(rs.getString(2).replace(' ', '_'));
                assertThat(rs.getObject(3, java.time.OffsetDateTime.class).toInstant()).isBeforeOrEqualTo(before);
            }
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void refuses_a_ledger_written_by_a_newer_version() throws SQLException {
        ledger.close();
        try (Connection c = db.connect(schema); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO schema_version (version, description) VALUES (99, 'from the future')");
        }

        assertThatThrownBy(this::reopen).isInstanceOf(BulwarkException.class)
                .hasMessageContaining(schema).hasMessageContaining("schema version 99").hasMessageContaining("newer");
        ledger = newLedger();
    }

    @Test
    void keeps_ledgers_in_different_schemas_apart() {
        Job job = jobWithItems(2);
        String first = schema;

        try (Ledger other = newLedger()) {
            assertThat(other.findJob(job.id())).isEmpty();
            assertThat(other.listJobs(dev.bulwark.ledger.JobQuery.all())).isEmpty();
        }
        schema = first;
        assertThat(ledger.counts(job.id()).total()).isEqualTo(2);
    }

    @Test
    void the_database_clock_is_the_servers() {
        Instant now = pg().databaseNow();

        assertThat(Duration.between(now, Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
    }

    @Test
    void stores_a_nul_character_as_a_replacement_instead_of_losing_the_outcome() {
        Job job = jobWithItems(1);
        Item item = claimOne(job);
        Attempt withNul = new Attempt(job.id(), 1, 1, T0, T0.plusSeconds(1), AttemptOutcome.FAILED, null, "exit:1",
                "binary\0output", 1, 1_000, WORKER, null);

        ledger.complete(Completion.of(withNul, item.fence(), ItemStatus.FAILED)).join();

        assertThat(ledger.findItem(job.id(), 1).orElseThrow().message()).isEqualTo("binary\uFFFDoutput");
    }

    @Test
    void close_records_queued_outcomes_and_refuses_further_use() {
        Job job = jobWithItems(100);
        List<CompletableFuture<Void>> outcomes = new ArrayList<>();
        for (Item item : ledger.claim(job.id(), T0, 100, false)) {
            outcomes.add(ledger.complete(Completion.of(attempt(item, AttemptOutcome.SUCCEEDED), item.fence(), ItemStatus.SUCCEEDED)));
        }

        ledger.close();
        ledger.close();

        assertThat(outcomes).allSatisfy(f -> assertThat(f).isCompleted());
        assertThatThrownBy(() -> ledger.findJob(job.id())).isInstanceOf(BulwarkException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> ledger.complete(Completion.of(attempt(claimOne(job), AttemptOutcome.SUCCEEDED), 1,
                ItemStatus.SUCCEEDED))).isInstanceOf(BulwarkException.class).hasMessageContaining("closed");
        ledger = reopen();
        assertThat(ledger.counts(job.id()).succeeded()).isEqualTo(100);
    }

    @Test
    void a_claim_skips_items_another_transaction_has_locked_instead_of_waiting() throws SQLException {
        Job job = jobWithItems(5);
        try (Connection other = db.connect(schema); Statement s = other.createStatement()) {
            other.setAutoCommit(false);
            // Another claimer in the middle of taking items 1 and 2.
            s.executeQuery("SELECT seq FROM items WHERE seq <= 2 FOR UPDATE").close();

            assertThat(ledger.claim(job.id(), T0, 2, false)).extracting(Item::seq).containsExactly(3L, 4L);

            other.rollback();
        }
        assertThat(ledger.claim(job.id(), T0, 10, false)).extracting(Item::seq).containsExactly(1L, 2L, 5L);
    }

    @Test
    void refuses_a_url_that_is_not_postgresql() {
        assertThatThrownBy(() -> PostgresLedger.open("mysql://localhost/db?password=secret"))
                .isInstanceOf(BulwarkException.class).hasMessageContaining("not a PostgreSQL URL")
                .hasMessageNotContaining("secret");
    }

    @Test
    void names_an_unreachable_server_without_its_password() {
        // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
        assertThatThrownBy(() -> PostgresLedger.open("postgresql://127.0.0.1:1/ledger?user=bulwark&password=secret"))
                .isInstanceOf(BulwarkException.class)
                .hasMessageContaining("127.0.0.1:1/ledger").hasMessageNotContaining("secret");
    }
}
