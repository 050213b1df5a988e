package dev.bulwark.bench.peers;

import com.zaxxer.hikari.HikariDataSource;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.configuration.support.MapJobRegistry;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.support.TaskExecutorJobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.support.JdbcJobRepositoryFactoryBean;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemReader;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.jdbc.support.JdbcTransactionManager;

/**
 * Spring Batch: one job of one chunk-oriented step, chunks of {@value #CHUNK}, a reader that makes
 * the items in memory and a writer that does nothing, run by {@code threads} threads (a
 * multi-threaded step: each thread reads, processes and writes whole chunks, each in a
 * transaction of its own). Only the job repository is in the database (SQLite): the items are
 * never stored, only each chunk's step execution update, so a lost chunk cannot be told from a
 * done one after a crash — what it measures is a different promise from the others'.
 */
final class SpringBatchPeer implements Peer {
    static final int CHUNK = 100;

    @Override
    public String name() {
        return "spring-batch";
    }

    @Override
    public boolean supports(String store) {
        return store.equals("sqlite");
    }

    @Override
    @SuppressWarnings("removal")
    public PeerResult run(Target target, long items, int threads) throws Exception {
        try (HikariDataSource ds = Stores.sqlite(target.file())) {
            new ResourceDatabasePopulator(new ClassPathResource("org/springframework/batch/core/schema-sqlite.sql")).execute(ds);
            String settings = Stores.sqliteSettings(ds);
            JdbcTransactionManager tm = new JdbcTransactionManager(ds);
            JdbcJobRepositoryFactoryBean factory = new JdbcJobRepositoryFactoryBean();
            factory.setDataSource(ds);
            factory.setTransactionManager(tm);
            factory.setDatabaseType("SQLITE");
            factory.afterPropertiesSet();
            JobRepository repository = factory.getObject();

            AtomicLong next = new AtomicLong();
            ItemReader<String> reader = () -> {
                long n = next.incrementAndGet();
                return n <= items ? "item-" + n : null;
            };
            SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("peer-batch-");
            executor.setConcurrencyLimit(threads);
            Step step = new StepBuilder("noop", repository).<String, String>chunk(CHUNK, tm).reader(reader)
                    .writer(chunk -> { }).taskExecutor(executor).build();
            Job job = new JobBuilder("noop", repository).start(step).build();
            TaskExecutorJobOperator operator = new TaskExecutorJobOperator();
            operator.setJobRepository(repository);
            operator.setJobRegistry(new MapJobRegistry());
            operator.afterPropertiesSet();

            long t0 = System.nanoTime();
            JobExecution execution = operator.start(job, new JobParameters());
            double seconds = (System.nanoTime() - t0) / 1e9;
            long written = 0;
            for (StepExecution s : execution.getStepExecutions()) {
                written += s.getWriteCount();
            }
            if (execution.getStatus() != BatchStatus.COMPLETED) {
                throw new IllegalStateException("the Spring Batch job ended " + execution.getStatus() + ": " + execution.getAllFailureExceptions());
            }
            return PeerResult.of("peers", name(), Peer.versionOf(JobRepository.class), target.store(), settings, items, threads,
                    seconds, written);
        }
    }
}
