package dev.bulwark.bench.peers;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.stream.LongStream;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration.JobRunrConfigurationResult;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.storage.sql.sqlite.SqLiteStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

/**
 * JobRunr: {@code items} fire-and-forget jobs calling {@link NoopJob#run}, enqueued from a stream
 * (JobRunr saves them in batches), run by one background job server with {@code threads} workers
 * and its shortest poll interval. A job is done when JobRunr has stored it as {@code SUCCEEDED}.
 */
final class JobRunrPeer extends PooledPeer {
    /** JobRunr refuses a poll interval below 5 seconds; idle workers fetch more work without waiting for it. */
    private static final Duration POLL = Duration.ofSeconds(5);

    @Override
    public String name() {
        return "jobrunr";
    }

    @Override
    PeerResult run(Target target, HikariDataSource ds, String settings, long items, int threads) throws Exception {
        StorageProvider storage = target.postgres() ? new PostgresStorageProvider(ds) : new SqLiteStorageProvider(ds);
        JobRunrConfigurationResult jobrunr = JobRunr.configure().useJsonMapper(new JacksonJsonMapper())
                .useStorageProvider(storage)
                .useBackgroundJobServer(BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                        .andWorkerCount(threads).andPollInterval(POLL))
                .initialize();
        try {
            CountDownLatch executed = NoopJob.expect(items);
            long t0 = System.nanoTime();
            jobrunr.getJobScheduler().enqueue(LongStream.rangeClosed(1, items).mapToObj(i -> "item-" + i),
                    item -> NoopJob.run(item));
            executed.await();
            while (storage.countJobs(StateName.SUCCEEDED) < items) {
                Thread.sleep(5); // the measurement's polling interval: the last SUCCEEDED states commit after the job returned
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return PeerResult.of("peers", name(), Peer.versionOf(JobRunr.class), target.store(), settings, items, threads,
                    seconds, storage.countJobs(StateName.SUCCEEDED));
        } finally {
            JobRunr.destroy();
        }
    }
}
