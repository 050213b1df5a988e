package dev.bulwark.bench.workers;

import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.jdbc.worker.WorkerStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One Bulwark worker process of the benchmark: a {@link Worker} whose handler succeeds at once. It
 * prints {@code ready} once it polls, runs until a line arrives on standard input (or it closes),
 * then prints one JSON line with its claim statistics. Needs only what the bulwark jar carries, so
 * {@code bulwark bench --workers N} can start it (db-scheduler's worker is {@link BenchChild}).
 */
final class WorkerChild {
    private WorkerChild() {
    }

    static void run(String url, int batch, int concurrency, String name) throws Exception {
        try (PostgresLedger ledger = PostgresLedger.open(url)) {
            Worker worker = new Worker(new WorkQueue(ledger), WorkerOptions.builder(name).concurrency(concurrency)
                    .claimBatch(batch).lease(Duration.ofSeconds(30)).poll(Duration.ofMillis(500)).build(),
                    job -> ctx -> AttemptResult.success(), null, BulwarkClock.system(), new Random(1));
            ExecutorService runner = Executors.newSingleThreadExecutor();
            Future<WorkerStats> done = runner.submit(worker::run);
            ready();
            awaitStop();
            worker.stop();
            WorkerStats s = done.get();
            runner.shutdown();
            System.out.printf("{\"worker\":\"%s\",\"claims\":%d,\"claimed\":%d,\"succeeded\":%d,\"claim_p50_ms\":%.3f,"
                            + "\"claim_p99_ms\":%.3f}%n", name, s.claims(), s.claimed(), s.succeeded(),
                    s.claimLatencyPercentile(50) / 1e6, s.claimLatencyPercentile(99) / 1e6);
        }
    }

    static void ready() {
        System.out.println("ready");
        System.out.flush();
    }

    static void awaitStop() throws IOException {
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }
}
