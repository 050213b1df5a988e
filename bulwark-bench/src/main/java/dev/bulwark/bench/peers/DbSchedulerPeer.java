package dev.bulwark.bench.peers;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.jdbc.DefaultJdbcCustomization;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * db-scheduler: {@code items} one-time executions of a task that does nothing, scheduled in
 * batches ({@code scheduleBatch}) and run by one {@link Scheduler} with {@code threads} threads. On
 * SQLite it polls with its default strategy (fetch, then lock each execution as it starts); on
 * PostgreSQL with lock-and-fetch ({@code FOR UPDATE SKIP LOCKED}), as the workers benchmark does.
 * An execution is done when db-scheduler has deleted its row; the run ends when the table is empty.
 */
final class DbSchedulerPeer extends PooledPeer {

    @Override
    public String name() {
        return "db-scheduler";
    }

    @Override
    PeerResult run(Target target, HikariDataSource ds, String settings, long items, int threads) throws Exception {
        createTable(ds, target.postgres());
        CountDownLatch executed = new CountDownLatch(Math.toIntExact(items));
        OneTimeTask<Void> noop = Tasks.oneTime("noop").execute((instance, context) -> executed.countDown());
        var builder = Scheduler.create(ds, noop).threads(threads).pollingInterval(Duration.ofMillis(100))
                .enableImmediateExecution();
        builder = target.postgres() ? builder.pollUsingLockAndFetch(0.5, 3.0) : builder.jdbcCustomization(new Sqlite());
        Scheduler scheduler = builder.build();
        scheduler.start();
        try {
            long t0 = System.nanoTime();
            Stream<TaskInstance<?>> instances = LongStream.rangeClosed(1, items).mapToObj(i -> noop.instance("item-" + i));
            scheduler.scheduleBatch(instances, Instant.now());
            executed.await();
            awaitEmpty(ds);
            double seconds = (System.nanoTime() - t0) / 1e9;
            return PeerResult.of("peers", name(), Peer.versionOf(Scheduler.class), target.store(), settings, items,
                    threads, seconds, items - remaining(ds));
        } finally {
            scheduler.stop();
        }
    }

    /** db-scheduler's table as its documentation gives it for PostgreSQL, and the same in SQLite's types. */
    private static void createTable(HikariDataSource ds, boolean postgres) throws SQLException {
        String time = postgres ? "timestamptz" : "timestamp";
        String data = postgres ? "bytea" : "blob";
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE scheduled_tasks (task_name text NOT NULL, task_instance text NOT NULL, task_data " + data
                    + ", execution_time " + time + " NOT NULL, picked boolean NOT NULL, picked_by text, last_success " + time
                    + ", last_failure " + time + ", consecutive_failures int, last_heartbeat " + time
                    + ", version bigint NOT NULL, priority smallint, PRIMARY KEY (task_name, task_instance))");
            s.execute("CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time)");
            s.execute("CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
            s.execute("CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC)");
        }
    }

    /** Polls every 5 ms until every execution's row is deleted (the last completions commit after their handler returned). */
    private static void awaitEmpty(HikariDataSource ds) throws SQLException, InterruptedException {
        while (remaining(ds) > 0) {
            Thread.sleep(5); // the measurement's polling interval, not a wait for an event
        }
    }

    private static long remaining(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM scheduled_tasks")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * db-scheduler's generic SQL for SQLite, which it does not know: timestamps in UTC, and
     * {@code LIMIT n} instead of the standard {@code OFFSET 0 ROWS FETCH FIRST n ROWS ONLY}.
     */
    private static final class Sqlite extends DefaultJdbcCustomization {
        Sqlite() {
            super(true);
        }

        @Override
        public String getName() {
            return "SQLite";
        }

        @Override
        public String getQueryLimitPart(int limit) {
            return " LIMIT " + limit;
        }
    }
}
