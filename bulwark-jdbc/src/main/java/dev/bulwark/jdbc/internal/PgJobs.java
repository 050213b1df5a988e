package dev.bulwark.jdbc.internal;

import static dev.bulwark.jdbc.internal.PgRows.bind;

import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.InvalidTransitionException;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.NotFoundException;
import dev.bulwark.ledger.JobQuery;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Jobs and their events in the PostgreSQL ledger. Stateless: every method works on the connection
 * (and in the transaction) it is given, and remembers nothing, since other processes change the
 * same tables.
 */
public final class PgJobs {
    private PgJobs() {
    }

    public static void create(Connection c, Job job) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO jobs (" + PgRows.JOB_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            int inserted = bind(insert, job.id(), job.name(), job.priority(), job.tenant(), job.status(), job.reason(),
                    job.config().toJson(), job.total(), job.createdAt(), job.startedAt(), job.finishedAt()).executeUpdate();
            if (inserted == 0) {
                throw new BulwarkException("job " + job.id() + " already exists");
            }
        }
    }

    /** The job's pk, or 0 for an unknown job (pks start at 1). */
    public static long pkOrZero(Connection c, UUID jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pk FROM jobs WHERE id = ?")) {
            try (ResultSet rs = bind(ps, jobId).executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** The job's pk; throws {@link NotFoundException} for an unknown job. */
    public static long pk(Connection c, UUID jobId) throws SQLException {
        long pk = pkOrZero(c, jobId);
        if (pk == 0) {
            throw notFound(jobId);
        }
        return pk;
    }

    /**
     * The job's pk, with its row locked until the transaction ends, so that changes of the job's
     * status and of its items' count are made one at a time across every process. The lock does
     * not block the foreign-key checks of new items, attempts and events.
     */
    public static long lockPk(Connection c, UUID jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pk FROM jobs WHERE id = ? FOR NO KEY UPDATE")) {
            try (ResultSet rs = bind(ps, jobId).executeQuery()) {
                if (!rs.next()) {
                    throw notFound(jobId);
                }
                return rs.getLong(1);
            }
        }
    }

    public static Optional<Job> find(Connection c, UUID jobId) throws SQLException {
        return find(c, jobId, "");
    }

    private static Optional<Job> find(Connection c, UUID jobId, String lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PgRows.JOB_COLUMNS + " FROM jobs WHERE id = ?" + lock)) {
            try (ResultSet rs = bind(ps, jobId).executeQuery()) {
                return rs.next() ? Optional.of(PgRows.job(rs)) : Optional.empty();
            }
        }
    }

    public static List<Job> list(Connection c, JobQuery query) throws SQLException {
        List<String> statuses = query.statuses().stream().map(Enum::name).sorted().toList();
        String where = statuses.isEmpty() ? "" : " WHERE status = ANY (?)";
        // Ties on created_at keep insertion order, as the in-memory ledger does.
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PgRows.JOB_COLUMNS + " FROM jobs" + where
                + " ORDER BY created_at DESC, pk ASC LIMIT ?")) {
            int p = 1;
            if (!statuses.isEmpty()) {
                ps.setArray(p++, c.createArrayOf("text", statuses.toArray()));
            }
            ps.setInt(p, query.limit());
            List<Job> jobs = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(PgRows.job(rs));
                }
            }
            return jobs;
        }
    }

    /** Replaces the job's configuration snapshot (its row locked). */
    public static Job reviseConfig(Connection c, UUID jobId, dev.bulwark.JobConfig config) throws SQLException {
        find(c, jobId, " FOR NO KEY UPDATE").orElseThrow(() -> notFound(jobId));
        try (PreparedStatement update = c.prepareStatement("UPDATE jobs SET config = ? WHERE id = ?")) {
            bind(update, config.toJson(), jobId).executeUpdate();
        }
        return find(c, jobId).orElseThrow(() -> notFound(jobId));
    }

    /** Reads the job with its row locked, checks the transition table, and writes the change. */
    public static Job transition(Connection c, UUID jobId, JobStatus next, String reason, Instant at) throws SQLException {
        Job job = find(c, jobId, " FOR NO KEY UPDATE").orElseThrow(() -> notFound(jobId));
        job.status().checkCanBecome(next, "job " + jobId);
        Job changed = job.withStatus(next, reason, at);
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE jobs SET status = ?, reason = ?, started_at = ?::timestamptz, finished_at = ?::timestamptz WHERE id = ?")) {
            bind(update, changed.status(), changed.reason(), changed.startedAt(), changed.finishedAt(), jobId).executeUpdate();
        }
        // As stored: instants finer than a microsecond are not kept.
        return find(c, jobId).orElseThrow(() -> notFound(jobId));
    }

    /**
     * Deletes one finished job; its items, attempts and events go with it (ON DELETE CASCADE).
     * False when there is no such job; a job that is not finished is refused and kept. The row is
     * locked first, so a job another process is just moving on is not deleted under it.
     */
    public static boolean delete(Connection c, UUID jobId) throws SQLException {
        Optional<Job> job = find(c, jobId, " FOR UPDATE");
        if (job.isEmpty()) {
            return false;
        }
        if (!job.get().status().isFinal()) {
            throw new InvalidTransitionException("job " + jobId, job.get().status().name(), "deleted");
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM jobs WHERE id = ?")) {
            bind(delete, jobId).executeUpdate();
        }
        return true;
    }

    /** Adds {@code added} items to the job's item count and makes the total follow it. */
    public static void addToTotal(Connection c, long jobPk, int added) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE jobs SET total = item_count + ?, item_count = item_count + ? WHERE pk = ?")) {
            bind(update, added, added, jobPk).executeUpdate();
        }
    }

    public static List<UUID> prune(Connection c, Instant finishedBefore, boolean keepFailed) throws SQLException {
        String kinds = keepFailed ? "'COMPLETED', 'CANCELLED'" : "'COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED'";
        // Items, attempts and events go with their job (ON DELETE CASCADE).
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM jobs WHERE status IN (" + kinds + ") "
                + "AND finished_at < ? RETURNING id")) {
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rs = bind(delete, finishedBefore).executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
            return ids;
        }
    }

    /**
     * Stores events in order, as one statement batch; an event of a job that does not exist (pruned,
     * perhaps by another process) is dropped, as in memory.
     */
    public static void appendEvents(Connection c, List<JobStore.NewEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO events (job_pk, at, seq, type, data) "
                + "SELECT pk, ?::timestamptz, ?::bigint, ?::text, ?::text FROM jobs WHERE id = ?")) {
            for (JobStore.NewEvent e : events) {
                EngineEvent event = e.event();
                bind(insert, event.at(), event.seq(), event.type(), e.dataJson(), event.jobId()).addBatch();
            }
            insert.executeBatch();
        }
    }

    public static List<EngineEvent> events(Connection c, UUID jobId, int limit) throws SQLException {
        long pk = pk(c, jobId);
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PgRows.EVENT_COLUMNS
                + " FROM events WHERE job_pk = ? ORDER BY id LIMIT ?")) {
            List<EngineEvent> events = new ArrayList<>();
            try (ResultSet rs = bind(ps, pk, limit).executeQuery()) {
                while (rs.next()) {
                    events.add(PgRows.event(jobId, rs));
                }
            }
            return events;
        }
    }

    static NotFoundException notFound(UUID jobId) {
        return new NotFoundException("job " + jobId + " not found");
    }
}
