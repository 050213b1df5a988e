package dev.bulwark.bench.workers;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Arrays;

/**
 * One db-scheduler worker process of the benchmark: a {@link Scheduler} with a task that does
 * nothing, which behaves towards the parent as {@link WorkerChild} does (Bulwark's worker).
 */
final class BenchChild {
    private BenchChild() {
    }

    static void run(String url, int concurrency, String name) throws Exception {
        dbScheduler(url, concurrency, name);
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
            WorkerChild.ready();
            WorkerChild.awaitStop();
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

}
