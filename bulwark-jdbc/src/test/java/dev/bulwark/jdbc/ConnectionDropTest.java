package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.ItemHandler;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.jdbc.worker.WorkerStats;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault matrix row "a PostgreSQL connection dropped at each step of claim and complete": a
 * worker runs a job while the connection of one step's transaction is lost, either before its
 * commit reaches the server (the server rolls it back; the worker hears of a lost connection) or
 * right after the commit went through (the worker never hears that it did). Each step is faulted
 * twice. Whatever the step and the moment, every item ends SUCCEEDED with exactly one succeeded
 * attempt, no attempt fails, and the job finishes once: nothing recorded is lost, nothing is
 * recorded twice.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectionDropTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int ITEMS = 40;
    private static final int FAULTS = 2;
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("drops");

    private final RunningWorkers running = new RunningWorkers();

    @AfterEach
    void stopWorkers() throws Exception {
        running.stopAll();
    }

    /** A step of a worker's work on the ledger, told by a statement its transaction prepares. */
    enum Step {
        /** Claiming due items: the leases are written. */
        CLAIM("pending AS (SELECT seq FROM items"),
        /** Recording an outcome: the attempt row and the item's final status. */
        COMPLETE("INSERT INTO attempts"),
        /** The heartbeat renewing the leases of the attempts running. */
        RENEW("UPDATE items i SET lease_until");

        final String marker;

        Step(String marker) {
            this.marker = marker;
        }
    }

    /** The moment the connection is lost. */
    enum Moment { BEFORE_COMMIT, AFTER_COMMIT }

    /** Every step at both moments. */
    enum Row {
        CLAIM_BEFORE_COMMIT(Step.CLAIM, Moment.BEFORE_COMMIT), CLAIM_AFTER_COMMIT(Step.CLAIM, Moment.AFTER_COMMIT),
        COMPLETE_BEFORE_COMMIT(Step.COMPLETE, Moment.BEFORE_COMMIT), COMPLETE_AFTER_COMMIT(Step.COMPLETE, Moment.AFTER_COMMIT),
        RENEW_BEFORE_COMMIT(Step.RENEW, Moment.BEFORE_COMMIT), RENEW_AFTER_COMMIT(Step.RENEW, Moment.AFTER_COMMIT);

        final Step step;
        final Moment moment;

        Row(Step step, Moment moment) {
            this.step = step;
            this.moment = moment;
        }
    }

    @ParameterizedTest
    @EnumSource(Row.class)
    void no_outcome_is_lost_or_doubled_when_the_connection_drops(Row row) throws Exception {
        FaultyDataSource source = new FaultyDataSource(PG.url(null));
        PostgresLedger ledger = PG.closeAfter(PostgresLedger.open(source, "faulty ledger"));
        WorkQueue queue = new WorkQueue(ledger);
        Job job = WorkQueueTest.workerJob(queue, ITEMS, 0, 4);

        AtomicInteger faults = new AtomicInteger(FAULTS);
        CountDownLatch faulted = new CountDownLatch(1);
        source.sqlWhen = sql -> sql.contains(row.step.marker);
        if (row.moment == Moment.BEFORE_COMMIT) {
            source.cutWhen = () -> {
                boolean cut = faults.getAndDecrement() > 0;
                if (faults.get() <= 0) {
                    faulted.countDown();
                }
                return cut;
            };
            source.cutCommits.set(true);
        } else {
            source.dropAfterCommit.set(FAULTS);
            source.dropWhen = () -> {
                if (source.dropAfterCommit.get() <= 1) {
                    faulted.countDown(); // the last commit to drop
                }
                return true;
            };
        }
        // Heartbeats renew only the leases of attempts running: the first items run until the faults
        // happened, so that renewals do too.
        ItemHandler handler = ctx -> {
            if (row.step == Step.RENEW && ctx.seq() <= 2) {
                faulted.await(60, TimeUnit.SECONDS);
            }
            return AttemptResult.success();
        };
        Worker worker = new Worker(queue, WorkerOptions.builder("w").concurrency(4).claimBatch(8).lease(Duration.ofMillis(900))
                .poll(Duration.ofMillis(100)).grace(Duration.ofSeconds(5)).build(), j -> handler, null, BulwarkClock.system(),
                new Random(7));
        Future<WorkerStats> run = running.start(worker);

        await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> ledger.findJob(job.id()).orElseThrow().status() == JobStatus.COMPLETED);
        worker.stop();
        run.get(30, TimeUnit.SECONDS);
        source.cutCommits.set(false);

        assertThat(row.moment == Moment.BEFORE_COMMIT ? faults.get() : source.dropAfterCommit.get())
                .as("all %d faults happened", FAULTS).isLessThanOrEqualTo(0);
        Map<String, Integer> attempts = attemptsByOutcome(job);
        assertThat(attempts.get("SUCCEEDED")).as("succeeded attempts: %s", attempts).isEqualTo(ITEMS);
        assertThat(attempts.keySet()).as("no attempt failed: %s", attempts).containsAnyOf("SUCCEEDED").doesNotContain("FAILED");
        assertThat(itemsWithoutOneSuccess(job)).as("items without exactly one succeeded attempt").isZero();
        assertThat(ledger.counts(job.id()).succeeded()).isEqualTo(ITEMS);
        assertThat(ledger.events(job.id(), 1_000)).extracting(EngineEvent::type).containsOnlyOnce(EngineEvent.JOB_FINISHED);
    }

    private static Map<String, Integer> attemptsByOutcome(Job job) throws SQLException {
        Map<String, Integer> byOutcome = new TreeMap<>();
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT a.outcome, count(*) FROM attempts a JOIN jobs j ON j.pk = a.job_pk WHERE j.id = '" + job.id()
                        + "' GROUP BY a.outcome")) {
            while (rs.next()) {
                byOutcome.put(rs.getString(1), rs.getInt(2));
            }
        }
        return byOutcome;
    }

    /** Items that are not SUCCEEDED with exactly one succeeded attempt. */
    private static int itemsWithoutOneSuccess(Job job) throws SQLException {
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*) FROM items i JOIN jobs j ON j.pk = i.job_pk WHERE j.id = '" + job.id() + "' AND (i.status <> "
                        + "'SUCCEEDED' OR (SELECT count(*) FROM attempts a WHERE a.job_pk = i.job_pk AND a.seq = i.seq "
                        + "AND a.outcome = 'SUCCEEDED') <> 1)")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
