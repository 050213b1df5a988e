package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerStats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Workers a test runs in this JVM, each on a thread of its own, all stopped after the test. */
final class RunningWorkers {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    /** The workers started, in order. */
    final List<Worker> workers = Collections.synchronizedList(new ArrayList<>());

    /** Runs {@code worker} until it is stopped. */
    Future<WorkerStats> start(Worker worker) {
        workers.add(worker);
        return pool.submit(worker::run);
    }

    /** Stops every worker now and waits for their threads. */
    void stopAll() throws InterruptedException {
        workers.forEach(Worker::stopNow);
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
}
