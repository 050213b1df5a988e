package dev.bulwark.jdbc.internal;

import static dev.bulwark.jdbc.internal.PgRows.bind;

import dev.bulwark.EngineEvent;
import dev.bulwark.HaltMode;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobCounts;
import dev.bulwark.jdbc.postgres.PostgresDialect;
import dev.bulwark.JobStatus;
import dev.bulwark.engine.FinalStatus;
import dev.bulwark.util.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Jobs run by distributed workers, in the PostgreSQL ledger: handing a job to the workers, and
 * deciding its end exactly once. Stateless.
 */
public final class PgWorkerJobs {
    /** The channel workers LISTEN on; a NOTIFY on it says that there may be work to claim. */
    public static final String CHANNEL = "bulwark_work";

    private static final String UNFINISHED = "SELECT EXISTS (SELECT 1 FROM items WHERE job_pk = ? "
            + "AND status IN ('PENDING', 'RUNNING', 'RETRY_WAIT'))";
    private static final String FINISHABLE = "SELECT pk FROM jobs j WHERE dispatch = 'workers' AND status = 'RUNNING' "
            + "AND NOT EXISTS (SELECT 1 FROM items WHERE job_pk = j.pk AND status IN ('PENDING', 'RUNNING', 'RETRY_WAIT'))";

    private PgWorkerJobs() {
    }

    /**
     * Hands a QUEUED job to the workers, with its priority and its limit of running items across
     * all workers, and wakes idle workers (the notification is sent when the transaction commits).
     *
     * @return false if the job is not QUEUED, or workers have it already (it stays as it is)
     */
    public static boolean enqueue(Connection c, UUID jobId, int priority, int maxRunning) throws SQLException {
        PgJobs.lockPk(c, jobId);
        int changed;
        try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET dispatch = 'workers', priority = ?, max_running = ? "
                + "WHERE id = ? AND status = 'QUEUED' AND dispatch = 'local'")) {
            changed = bind(ps, priority, maxRunning, jobId).executeUpdate();
        }
        if (changed == 1) {
            notifyWorkers(c);
        }
        return changed == 1;
    }

    /** Wakes idle workers once the transaction commits. */
    public static void notifyWorkers(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, current_schema())")) {
            bind(ps, CHANNEL).execute();
        }
    }

    /** Whether the job is one workers run. */
    public static boolean isWorkerJob(Connection c, UUID jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT dispatch = 'workers' FROM jobs WHERE id = ?")) {
            try (ResultSet rs = bind(ps, jobId).executeQuery()) {
                if (!rs.next()) {
                    throw PgJobs.notFound(jobId);
                }
                return rs.getBoolean(1);
            }
        }
    }

    /** Worker jobs that are RUNNING without any item left to run: their end is due. */
    public static List<Long> finishable(Connection c) throws SQLException {
        List<Long> pks = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(FINISHABLE); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                pks.add(rs.getLong(1));
            }
        }
        return pks;
    }

    /** Whether the job still has items without a final outcome (a cheap look, no lock). */
    public static boolean hasUnfinished(Connection c, long jobPk) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UNFINISHED)) {
            try (ResultSet rs = bind(ps, jobPk).executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Ends a RUNNING job whose every item has a final outcome: COMPLETED, FAILED (every item
     * failed) or PARTIAL, with a {@code job_finished} event. The job's row is locked first and the
     * items looked at again under that lock, so whichever workers try at once, the job ends once.
     *
     * @return the finished job, or empty if it is not RUNNING or still has items to run
     */
    public static Optional<Job> finishIfDone(Connection c, long jobPk) throws SQLException {
        UUID jobId;
        Instant now;
        try (PreparedStatement ps = c.prepareStatement("SELECT id, status, now() FROM jobs WHERE pk = ? FOR NO KEY UPDATE")) {
            try (ResultSet rs = bind(ps, jobPk).executeQuery()) {
                if (!rs.next() || !rs.getString(2).equals(JobStatus.RUNNING.name())) {
                    return Optional.empty();
                }
                jobId = rs.getObject(1, UUID.class);
                now = PgRows.instant(rs, 3);
            }
        }
        if (hasUnfinished(c, jobPk)) {
            return Optional.empty();
        }
        JobCounts counts = Tables.on(c, PostgresDialect.INSTANCE, t -> t.items().counts(jobId));
        FinalStatus end = FinalStatus.of(counts);
        JobStatus status = end.status();
        String reason = end.reason();
        Job done = PgJobs.transition(c, jobId, status, reason, now);
        event(c, new EngineEvent.JobFinished(jobId, now, status, reason, counts.succeeded(), counts.failed(), counts.skipped(),
                counts.retries(), counts.interruptions(), null));
        return Optional.of(done);
    }

    /**
     * Halts a worker job (a critical failure, the failure threshold): it becomes FAILED with
     * {@code reason}, so no worker claims from it any more; its running items are recorded as
     * interrupted (their workers find their leases lost and stop them) and every item without an
     * outcome is SKIPPED, all in one transaction.
     *
     * @return false if the job had already stopped
     */
    public static boolean halt(Connection c, UUID jobId, String reason) throws SQLException {
        return halt(c, jobId, reason, false);
    }

    /**
     * Like {@link #halt(Connection, UUID, String)}; with {@code drain} (halt soon) the running
     * items are left to finish and record their own outcome.
     */
    public static boolean halt(Connection c, UUID jobId, String reason, boolean drain) throws SQLException {
        PgJobs.lockPk(c, jobId);
        Job job = PgJobs.find(c, jobId).orElseThrow(() -> PgJobs.notFound(jobId));
        if (job.status() != JobStatus.RUNNING && job.status() != JobStatus.QUEUED) {
            return false;
        }
        Instant now = databaseNow(c);
        PgJobs.transition(c, jobId, JobStatus.FAILED, reason, now);
        if (!drain) {
            Tables.on(c, PostgresDialect.INSTANCE, t -> t.items().recoverInterrupted(jobId, now, "halt"));
        }
        long skipped = Tables.on(c, PostgresDialect.INSTANCE, t -> t.items().skipRemaining(jobId));
        event(c, new EngineEvent.JobHalting(jobId, now, reason, skipped));
        return true;
    }

    /**
     * Halts a RUNNING worker job whose failed items reached its budget: any with
     * {@code stop-on-first-failure}, or its {@code max-failures}. Decided here, in the ledger,
     * once for all workers: after an outcome that failed an item, and in the claim that fails the
     * items of an open breaker's scope.
     *
     * @return whether this call halted the job, and if so whether its running items drain (halt soon)
     */
    public static Optional<Boolean> haltIfOverBudget(Connection c, long jobPk) throws SQLException {
        UUID jobId;
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM jobs WHERE pk = ?")) {
            try (ResultSet rs = bind(ps, jobPk).executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                jobId = rs.getObject(1, UUID.class);
            }
        }
        Job job = PgJobs.find(c, jobId).orElse(null);
        if (job == null || job.status() != JobStatus.RUNNING) {
            return Optional.empty();
        }
        JobConfig config = job.config();
        if (!config.stopOnFirstFailure() && config.failureThreshold() == null) {
            return Optional.empty();
        }
        long failed = failedCount(c, jobPk);
        String reason = null;
        if (config.stopOnFirstFailure() && failed > 0) {
            reason = "stop-on-first-failure: " + firstFailure(c, jobPk);
        } else if (config.failureThreshold() != null) {
            long limit = config.failureThreshold().limitFor(job.total());
            if (failed >= limit) {
                reason = "max-failures: " + failed + " item(s) failed, the limit is " + config.failureThreshold()
                        + " (" + limit + " item(s))";
            }
        }
        boolean drain = config.halt() == HaltMode.SOON;
        return reason != null && halt(c, jobId, reason, drain) ? Optional.of(drain) : Optional.empty();
    }

    /** "item N (KEY) failed: CATEGORY" for the job's first failed item. */
    private static String firstFailure(Connection c, long jobPk) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, key, category FROM items WHERE job_pk = ? AND status = 'FAILED' "
                + "ORDER BY finished_at, seq LIMIT 1")) {
            try (ResultSet rs = bind(ps, jobPk).executeQuery()) {
                rs.next();
                return "item " + rs.getLong(1) + " (" + rs.getString(2) + ") failed: " + rs.getString(3);
            }
        }
    }

    /** Of these jobs, the pks of those that are PAUSED. */
    public static Set<Long> paused(Connection c, Set<Long> jobPks) throws SQLException {
        Set<Long> paused = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT pk FROM jobs WHERE pk = ANY (?) AND status = 'PAUSED'")) {
            ps.setArray(1, c.createArrayOf("bigint", jobPks.toArray(new Long[0])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    paused.add(rs.getLong(1));
                }
            }
        }
        return paused;
    }

    /** Items of the job that FAILED so far. */
    public static long failedCount(Connection c, long jobPk) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM items WHERE job_pk = ? AND status = 'FAILED'")) {
            try (ResultSet rs = bind(ps, jobPk).executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static Instant databaseNow(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT now()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return PgRows.instant(rs, 1);
        }
    }

    /** Keeps a job's event, and announces it with the outcomes (after them: notifications arrive in commit order). */
    private static void event(Connection c, EngineEvent e) throws SQLException {
        PgJobs.appendEvents(c, List.of(new JobStore.NewEvent(e, PgRows.text(Json.write(e)))));
        dev.bulwark.jdbc.postgres.OutcomeAnnouncements.announceEvents(c, List.of(e));
    }
}
