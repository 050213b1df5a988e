package dev.bulwark.jdbc.internal;

import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.NotFoundException;
import dev.bulwark.jdbc.postgres.PostgresDialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@link JobStore} on one PostgreSQL connection, as static shortcuts for the code only the
 * shared ledger has (leases, worker jobs, shared breakers). Each call works in the caller's
 * transaction and remembers nothing, since other processes change the same tables.
 */
public final class PgJobs {
    private PgJobs() {
    }

    @FunctionalInterface
    private interface JobWork<T> {
        T run(JobStore jobs) throws SQLException;
    }

    private static <T> T on(Connection c, JobWork<T> work) throws SQLException {
        return Tables.on(c, PostgresDialect.INSTANCE, tables -> work.run(tables.jobs()));
    }

    /** See {@link JobStore#pk}. */
    public static long pk(Connection c, UUID jobId) throws SQLException {
        return on(c, jobs -> jobs.pk(jobId));
    }

    /** See {@link JobStore#lockPk}. */
    public static long lockPk(Connection c, UUID jobId) throws SQLException {
        return on(c, jobs -> jobs.lockPk(jobId));
    }

    public static Optional<Job> find(Connection c, UUID jobId) throws SQLException {
        return on(c, jobs -> jobs.find(jobId));
    }

    /** See {@link JobStore#transition}. */
    public static Job transition(Connection c, UUID jobId, JobStatus next, String reason, Instant at) throws SQLException {
        return on(c, jobs -> jobs.transition(jobId, next, reason, at));
    }

    public static void addToTotal(Connection c, long jobPk, int added) throws SQLException {
        on(c, jobs -> {
            jobs.addToTotal(jobPk, added);
            return null;
        });
    }

    /** See {@link JobStore#appendEvents}. */
    public static void appendEvents(Connection c, List<JobStore.NewEvent> events) throws SQLException {
        on(c, jobs -> jobs.appendEvents(events));
    }

    static NotFoundException notFound(UUID jobId) {
        return JobStore.notFound(jobId);
    }
}
