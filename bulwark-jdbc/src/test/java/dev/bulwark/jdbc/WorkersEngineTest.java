package dev.bulwark.jdbc;

import static org.awaitility.Awaitility.await;

import dev.bulwark.BulwarkClock;
import dev.bulwark.ItemHandler;
import dev.bulwark.Job;
import dev.bulwark.engine.EngineContract;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.ledger.Ledger;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The engine contract on two workers sharing a PostgreSQL ledger: each job is handed to the work
 * queue and run by two {@link Worker}s with a connection pool of their own each.
 */
class WorkersEngineTest extends EngineContract {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("workers_engine");
    private final RunningWorkers running = new RunningWorkers();
    private WorkQueue queue;

    @BeforeEach
    void open() {
        queue = new WorkQueue(PG.closeAfter(PostgresLedger.open(PG.url(null), null, null)));
    }

    @AfterEach
    void stopWorkers() throws Exception {
        running.stopAll();
    }

    @Override
    protected Ledger ledger() {
        return queue.ledger();
    }

    @Override
    protected void handOver(Job job) {
        queue.enqueue(job.id(), 0, job.config().concurrency());
    }

    @Override
    protected Job runToEnd(Job job, ItemHandler handler) {
        for (String name : List.of("a", "b")) {
            WorkerOptions options = WorkerOptions.builder(name).concurrency(job.config().concurrency()).claimBatch(10)
                    .lease(Duration.ofSeconds(1)).poll(Duration.ofMillis(100)).grace(Duration.ofSeconds(5)).build();
            WorkQueue own = new WorkQueue(PG.closeAfter(PostgresLedger.open(PG.url(null), null, null)));
            running.start(new Worker(own, options, j -> handler, null, BulwarkClock.system(), new Random(11)));
        }
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            Job now = ledger().findJob(job.id()).orElseThrow();
            return now.status().isFinal() && ledger().counts(job.id()).running() == 0;
        });
        return ledger().findJob(job.id()).orElseThrow();
    }

    /** A worker that claimed the item and died: its lease expires and a live worker takes it back. */
    @Override
    protected void crashWhileRunning(Job job, long seq) {
        queue.claim("crashed", (int) seq, WorkerOptions.MIN_LEASE);
    }

    @Override
    protected void awaitRolledBack(Job job) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> ledger().counts(job.id()).succeeded() == 0);
    }
}
