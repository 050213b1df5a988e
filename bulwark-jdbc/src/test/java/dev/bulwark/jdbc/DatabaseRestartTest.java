package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.jdbc.worker.WorkerStats;
import dev.bulwark.ledger.ItemQuery;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 5: the PostgreSQL server restarts in the middle of a job. A server of its own (not the
 * shared test server) is shut down while two workers run a job, stays down for longer than a
 * heartbeat but shorter than a lease, and starts again on the same data directory and port. The
 * workers, never restarted, log the outage, go on by themselves, and the job ends once with
 * exactly one success per item.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatabaseRestartTest {
    private static final int ITEMS = 3_000;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dataDirectory;

    private final RunningWorkers running = new RunningWorkers();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger bulwarkLog = (Logger) LoggerFactory.getLogger("dev.bulwark.jdbc");
    private EmbeddedPostgres server;
    private PostgresLedger ledgerA;
    private PostgresLedger ledgerB;

    @AfterEach
    void tearDown() throws Exception {
        running.stopAll();
        for (PostgresLedger l : new PostgresLedger[] {ledgerA, ledgerB}) {
            if (l != null) {
                l.close();
            }
        }
        bulwarkLog.detachAppender(log);
        if (server != null) {
            server.close();
        }
    }

    private static EmbeddedPostgres startServer(Path directory, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(directory).setCleanDataDirectory(false).setPort(port).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    @Test
    void workers_ride_out_a_restart_of_the_database_server_mid_job() throws Exception {
        int port = freePort();
        try {
            server = startServer(dataDirectory, port);
        } catch (IOException | RuntimeException e) {
            Assumptions.abort("cannot start an embedded PostgreSQL of its own: " + e.getMessage());
        }
        String url = server.getJdbcUrl("postgres", "postgres");
        WorkerOptions optionsA = WorkerOptions.builder("a").concurrency(8).claimBatch(20).lease(Duration.ofSeconds(6))
                .poll(Duration.ofMillis(200)).grace(Duration.ofSeconds(5)).build();
        WorkerOptions optionsB = WorkerOptions.builder("b").concurrency(8).claimBatch(20).lease(optionsA.lease())
                .poll(optionsA.poll()).grace(optionsA.grace()).build();
        // Down for longer than a heartbeat (every claim and lease renewal in that time fails), shorter than a lease.
        Duration down = optionsA.heartbeat().plus(optionsA.lease()).dividedBy(2);

        ledgerA = PostgresLedger.open(url, null, null);
        ledgerB = PostgresLedger.open(url, null, null);
        WorkQueue a = new WorkQueue(ledgerA);
        WorkQueue b = new WorkQueue(ledgerB);
        Job job = WorkQueueTest.workerJob(a, ITEMS, 0, 16);

        log.start();
        bulwarkLog.addAppender(log);
        ItemHandler noOp = ctx -> AttemptResult.success();
        Worker workerA = new Worker(a, optionsA, j -> noOp, null, BulwarkClock.system(), new Random(7));
        Worker workerB = new Worker(b, optionsB, j -> noOp, null, BulwarkClock.system(), new Random(8));
        Future<WorkerStats> first = running.start(workerA);
        Future<WorkerStats> second = running.start(workerB);

        // A part of the job is done: the server shuts down (connections drop, the port closes) ...
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> a.ledger().counts(job.id()).done() >= ITEMS / 4);
        int warningsBefore = warnings().size();
        server.close();
        server = null;
        long doneA = workerA.stats().succeeded();
        long doneB = workerB.stats().succeeded();
        try (Connection ignored = DriverManager.getConnection(url)) {
            throw new AssertionError("the server still answers after its shutdown");
        } catch (SQLException expected) {
            // ... and is unreachable while down.
        }
        Thread.sleep(down.toMillis()); // the outage itself
        long restartedAt = System.nanoTime();
        server = startServer(dataDirectory, port);

        // ... the data survived, and the workers, left alone, finish the job.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> a.ledger().findJob(job.id()).orElseThrow().status() == JobStatus.COMPLETED);
        Duration afterRestart = Duration.ofNanos(System.nanoTime() - restartedAt);
        assertThat(first).as("worker a still runs").isNotDone();
        assertThat(second).as("worker b still runs").isNotDone();
        running.workers.forEach(Worker::stop);
        WorkerStats sa = first.get(30, TimeUnit.SECONDS);
        WorkerStats sb = second.get(30, TimeUnit.SECONDS);

        // Both workers noticed the outage, and both went on by themselves.
        List<String> outage = warnings().subList(warningsBefore, warnings().size());
        // The workers' own warnings: a heartbeat, claim, record or notification connection that failed.
        assertThat(outage).as("warnings of the outage").anyMatch(w -> w.startsWith(Worker.class.getName() + ":")
                || w.startsWith("dev.bulwark.jdbc.internal.PgNotifications:"));
        assertThat(sa.succeeded()).as("successes of a after the restart").isGreaterThan(doneA);
        assertThat(sb.succeeded()).as("successes of b after the restart").isGreaterThan(doneB);

        // One end of the job; one final outcome and exactly one success per item, nothing lost.
        assertThat(a.ledger().events(job.id(), 10_000)).extracting(EngineEvent::type).containsOnlyOnce(EngineEvent.JOB_FINISHED);
        assertThat(a.ledger().items(job.id(), ItemQuery.all(ITEMS + 1))).hasSize(ITEMS)
                .allSatisfy(i -> assertThat(i.status()).isEqualTo(ItemStatus.SUCCEEDED));
        assertThat(a.ledger().counts(job.id()).done()).isEqualTo(ITEMS);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertThat(count(s, "SELECT count(*) FROM items i WHERE (SELECT count(*) FROM attempts t WHERE t.job_pk = i.job_pk"
                    + " AND t.seq = i.seq AND t.outcome = 'SUCCEEDED') <> 1")).as("items without exactly one success").isZero();
            // Besides the successes, only attempts cut short by the outage (interrupted, or taken back after their lease).
            assertThat(count(s, "SELECT count(*) FROM attempts WHERE outcome NOT IN ('SUCCEEDED', 'INTERRUPTED')"))
                    .as("attempts neither succeeded nor interrupted").isZero();
        }
        System.out.printf("restart test: down %s, finished %s after the restart; a %s; b %s; warnings: %s%n", down,
                afterRestart, sa, sb, outage.size());
    }

    private List<String> warnings() {
        synchronized (log) {
            return log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
