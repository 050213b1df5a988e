package dev.bulwark.bench.workers;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
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
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One worker process of the benchmark: a Bulwark {@link Worker} or a db-scheduler {@link Scheduler}
 * with a task that does nothing. It prints {@code ready} once it polls, runs until a line arrives on
 * standard input (or it closes), then prints one JSON line with its claim statistics.
 */
final class BenchChild {
    private BenchChild() {
    }

    static void run(String kind, String url, int batch, int concurrency, String name) throws Exception {
        if (kind.equals("bulwark")) {
            bulwark(url, batch, concurrency, name);
        } else {
            dbScheduler(url, concurrency, name);
        }
    }

    private static void bulwark(String url, int batch, int concurrency, String name) throws Exception {
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

    private static void dbScheduler(String url, int threads, String name) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(threads + 4);
        long[] samples = new long[4_000_000];
        int[] count = {0};
        try (HikariDataSource pool = new HikariDataSource(config)) {
            TimedDataSource timed = new TimedDataSource(pool, "SKIP LOCKED", nanos -> {
                synchronized (samples) {
                    if (count[0] < samples.length) {
                        samples[count[0]++] = nanos;
                    }
                }
            });
            OneTimeTask<Void> noop = Tasks.oneTime("noop").execute((instance, context) -> { });
            Scheduler scheduler = Scheduler.create(timed, noop).threads(threads).pollUsingLockAndFetch(0.5, 3.0)
                    .pollingInterval(Duration.ofMillis(100)).schedulerName(new com.github.kagkarlsson.scheduler.SchedulerName.Fixed(name))
                    .build();
            scheduler.start();
            ready();
            awaitStop();
            scheduler.stop();
            long[] sorted;
            synchronized (samples) {
                sorted = Arrays.copyOf(samples, count[0]);
            }
            Arrays.sort(sorted);
            System.out.printf("{\"worker\":\"%s\",\"claims\":%d,\"claim_p50_ms\":%.3f,\"claim_p99_ms\":%.3f}%n", name,
                    sorted.length, percentile(sorted, 50) / 1e6, percentile(sorted, 99) / 1e6);
        }
    }

    private static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static void ready() {
        System.out.println("ready");
        System.out.flush();
    }

    private static void awaitStop() throws IOException {
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }
}
