package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.InvalidTransitionException;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.NotFoundException;
import dev.bulwark.ledger.JobQuery;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Jobs and their events, and the job pks the other tables use, on any {@link Dialect}. Works in
 * the transaction of the connection its statements belong to; not thread-safe.
 */
public final class JobStore {
    private final Statements sql;
    private final Rows rows;
    private final Dialect dialect;
    private final boolean rememberPks;
    private final Map<UUID, Long> pks = new HashMap<>();

    /**
     * @param rememberPks whether pks may be kept between calls: only when this connection is the
     *                    one writer, since then no job disappears behind its back
     */
    public JobStore(Statements sql, Rows rows, boolean rememberPks) {
        this.sql = sql;
        this.rows = rows;
        this.dialect = rows.dialect();
        this.rememberPks = rememberPks;
    }

    public void create(Job job) throws SQLException {
        int inserted = rows.bind(sql.get("INSERT INTO jobs (" + Rows.JOB_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (id) DO NOTHING"),
                job.id(), job.name(), job.priority(), job.tenant(), job.status(), job.reason(), job.config().toJson(),
                job.total(), job.createdAt(), job.startedAt(), job.finishedAt()).executeUpdate();
        if (inserted == 0) {
            throw new BulwarkException("job " + job.id() + " already exists");
        }
    }

    /** The job's pk; throws {@link NotFoundException} for an unknown job. */
    public long pk(UUID jobId) throws SQLException {
        long pk = pkOrZero(jobId);
        if (pk == 0) {
            throw notFound(jobId);
        }
        return pk;
    }

    /**
     * The job's pk, with its row locked until the transaction ends, so that changes of the job's
     * status and of its items' count are made one at a time across every process.
     */
    public long lockPk(UUID jobId) throws SQLException {
        try (ResultSet rs = rows.bind(sql.get("SELECT pk FROM jobs WHERE id = ?" + dialect.clauses().lockRows()), jobId).executeQuery()) {
            if (!rs.next()) {
                throw notFound(jobId);
            }
            return rs.getLong(1);
        }
    }

    /** Forgets the pks kept so far: after a rollback, a pk seen in it may belong to no job, or later to another. */
    public void forgetPks() {
        pks.clear();
    }

    /** The job's pk, or 0 for an unknown job (pks start at 1). */
    public long pkOrZero(UUID jobId) throws SQLException {
        Long known = pks.get(jobId);
        if (known != null) {
            return known;
        }
        try (ResultSet rs = rows.bind(sql.get("SELECT pk FROM jobs WHERE id = ?"), jobId).executeQuery()) {
            long pk = rs.next() ? rs.getLong(1) : 0;
            if (pk != 0 && rememberPks) {
                pks.put(jobId, pk);
            }
            return pk;
        }
    }

    public Optional<Job> find(UUID jobId) throws SQLException {
        return find(jobId, "");
    }

    private Optional<Job> find(UUID jobId, String lock) throws SQLException {
        try (ResultSet rs = rows.bind(sql.get("SELECT " + Rows.JOB_COLUMNS + " FROM jobs WHERE id = ?" + lock), jobId)
                .executeQuery()) {
            return rs.next() ? Optional.of(rows.job(rs)) : Optional.empty();
        }
    }

    public List<Job> list(JobQuery query) throws SQLException {
        List<JobStatus> statuses = query.statuses().stream().sorted().toList();
        String where = statuses.isEmpty() ? "" : " WHERE status IN (" + placeholders(statuses.size()) + ")";
        // Ties on created_at keep insertion order, as the in-memory ledger does.
        PreparedStatement ps = sql.get("SELECT " + Rows.JOB_COLUMNS + " FROM jobs" + where
                + " ORDER BY created_at DESC, pk ASC LIMIT ?");
        Object[] params = new Object[statuses.size() + 1];
        for (int i = 0; i < statuses.size(); i++) {
            params[i] = statuses.get(i);
        }
        params[statuses.size()] = query.limit();
        List<Job> jobs = new ArrayList<>();
        try (ResultSet rs = rows.bind(ps, params).executeQuery()) {
            while (rs.next()) {
                jobs.add(rows.job(rs));
            }
        }
        return jobs;
    }

    /** Reads the job with its row locked, checks the transition table, writes the change, and returns it as stored. */
    public Job transition(UUID jobId, JobStatus next, String reason, Instant at) throws SQLException {
        Job job = find(jobId, dialect.clauses().lockRows()).orElseThrow(() -> notFound(jobId));
        job.status().checkCanBecome(next, "job " + jobId);
        Job changed = job.withStatus(next, reason, at);
        rows.bind(sql.get("UPDATE jobs SET status = ?, reason = ?, started_at = ?, finished_at = ? WHERE id = ?"),
                changed.status(), changed.reason(), changed.startedAt(), changed.finishedAt(), jobId).executeUpdate();
        // As stored: instants finer than the database keeps are dropped.
        return find(jobId).orElseThrow(() -> notFound(jobId));
    }

    /** Replaces the job's configuration snapshot (its row locked) and returns the job as stored. */
    public Job reviseConfig(UUID jobId, dev.bulwark.JobConfig config) throws SQLException {
        find(jobId, dialect.clauses().lockRows()).orElseThrow(() -> notFound(jobId));
        rows.bind(sql.get("UPDATE jobs SET config = ? WHERE id = ?"), config.toJson(), jobId).executeUpdate();
        return find(jobId).orElseThrow(() -> notFound(jobId));
    }

    /** Adds {@code added} items to the job's item count and makes the total follow it. */
    public void addToTotal(long jobPk, int added) throws SQLException {
        rows.bind(sql.get("UPDATE jobs SET total = item_count + ?, item_count = item_count + ? WHERE pk = ?"),
                added, added, jobPk).executeUpdate();
    }

    /** Deletes the finished jobs of the kinds asked for; their items, attempts and events go with them (ON DELETE CASCADE). */
    public List<UUID> prune(Instant finishedBefore, boolean keepFailed) throws SQLException {
        String kinds = keepFailed ? "'COMPLETED', 'CANCELLED'" : "'COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED'";
        record Pruned(long pk, UUID id) {
        }
        List<Pruned> pruned = new ArrayList<>();
        try (ResultSet rs = rows.bind(sql.get("DELETE FROM jobs WHERE status IN (" + kinds + ") AND finished_at < ? "
                + "RETURNING pk, id"), finishedBefore).executeQuery()) {
            while (rs.next()) {
                pruned.add(new Pruned(rs.getLong(1), dialect.uuids().read(rs, 2)));
            }
        }
        pruned.sort(Comparator.comparingLong(Pruned::pk));
        pruned.forEach(p -> pks.remove(p.id()));
        return pruned.stream().map(Pruned::id).toList();
    }

    /**
     * Deletes one finished job and everything it owns; false when there is no such job; a job
     * that is not finished is refused and kept. The row is locked first, so a job another process
     * is just moving on is not deleted under it.
     */
    public boolean delete(UUID jobId) throws SQLException {
        Optional<Job> job = find(jobId, dialect.clauses().lockForDelete());
        if (job.isEmpty()) {
            return false;
        }
        if (!job.get().status().isFinal()) {
            throw new InvalidTransitionException("job " + jobId, job.get().status().name(), "deleted");
        }
        rows.bind(sql.get("DELETE FROM jobs WHERE id = ?"), jobId).executeUpdate();
        pks.remove(jobId);
        return true;
    }

    /** An event to store, with its data already written as JSON. */
    public record NewEvent(EngineEvent event, String dataJson) {
    }

    /**
     * Stores events in order, as one statement batch; an event of a job that no longer exists
     * (pruned, perhaps by another process) is dropped, as in memory. None is ever rejected alone:
     * events are checked before they are queued.
     */
    public RuntimeException[] appendEvents(List<NewEvent> events) throws SQLException {
        if (!events.isEmpty()) {
            PreparedStatement insert = sql.get("INSERT INTO events (job_pk, at, seq, type, data) SELECT pk, "
                    + dialect.clauses().timestampParam() + ", ?, ?, ? FROM jobs WHERE id = ?");
            for (NewEvent e : events) {
                EngineEvent event = e.event();
                rows.bind(insert, event.at(), event.seq(), event.type(), e.dataJson(), event.jobId()).addBatch();
            }
            insert.executeBatch();
        }
        return new RuntimeException[events.size()];
    }

    public List<EngineEvent> events(UUID jobId, int limit) throws SQLException {
        long pk = pk(jobId);
        List<EngineEvent> events = new ArrayList<>();
        try (ResultSet rs = rows.bind(sql.get("SELECT " + Rows.EVENT_COLUMNS + " FROM events WHERE job_pk = ? ORDER BY id LIMIT ?"),
                pk, limit).executeQuery()) {
            while (rs.next()) {
                events.add(rows.event(jobId, rs));
            }
        }
        return events;
    }

    static NotFoundException notFound(UUID jobId) {
        return new NotFoundException("job " + jobId + " not found");
    }

    static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }
}
