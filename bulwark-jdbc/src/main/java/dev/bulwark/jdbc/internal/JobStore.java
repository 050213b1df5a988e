package dev.bulwark.jdbc.internal;

import static dev.bulwark.jdbc.internal.Rows.bind;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Jobs and their events, and the job pks the other tables use. Runs on the ledger's writer thread only. */
public final class JobStore {
    private final Statements sql;
    private final boolean rememberPks;
    private final Map<UUID, Long> pks = new HashMap<>();

    /**
     * @param rememberPks whether pks may be kept between calls: only when this connection is the
     *                    one writer, since then no job disappears behind its back
     */
    public JobStore(Statements sql, boolean rememberPks) {
        this.sql = sql;
        this.rememberPks = rememberPks;
    }

    public void create(Job job) throws SQLException {
        if (exists(job.id())) {
            throw new BulwarkException("job " + job.id() + " already exists");
        }
        bind(sql.get("INSERT INTO jobs (" + Rows.JOB_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                job.id(), job.name(), job.priority(), job.tenant(), job.status(), job.reason(), job.config().toJson(),
                job.total(), job.createdAt(), job.startedAt(), job.finishedAt()).executeUpdate();
    }

    public boolean exists(UUID jobId) throws SQLException {
        return pkOrZero(jobId) != 0;
    }

    /** The job's pk; throws {@link NotFoundException} for an unknown job. */
    public long pk(UUID jobId) throws SQLException {
        long pk = pkOrZero(jobId);
        if (pk == 0) {
            throw notFound(jobId);
        }
        return pk;
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
        try (ResultSet rs = bind(sql.get("SELECT pk FROM jobs WHERE id = ?"), jobId).executeQuery()) {
            long pk = rs.next() ? rs.getLong(1) : 0;
            if (pk != 0 && rememberPks) {
                pks.put(jobId, pk);
            }
            return pk;
        }
    }

    public Optional<Job> find(UUID jobId) throws SQLException {
        try (ResultSet rs = bind(sql.get("SELECT " + Rows.JOB_COLUMNS + " FROM jobs WHERE id = ?"), jobId).executeQuery()) {
            return rs.next() ? Optional.of(Rows.job(rs)) : Optional.empty();
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
        try (ResultSet rs = bind(ps, params).executeQuery()) {
            while (rs.next()) {
                jobs.add(Rows.job(rs));
            }
        }
        return jobs;
    }

    public Job transition(UUID jobId, JobStatus next, String reason, Instant at) throws SQLException {
        Job job = find(jobId).orElseThrow(() -> notFound(jobId));
        job.status().checkCanBecome(next, "job " + jobId);
        Job changed = job.withStatus(next, reason, at);
        bind(sql.get("UPDATE jobs SET status = ?, reason = ?, started_at = ?, finished_at = ? WHERE id = ?"),
                changed.status(), changed.reason(), changed.startedAt(), changed.finishedAt(), jobId).executeUpdate();
        return changed;
    }

    public Job reviseConfig(UUID jobId, dev.bulwark.JobConfig config) throws SQLException {
        Job job = find(jobId).orElseThrow(() -> notFound(jobId));
        bind(sql.get("UPDATE jobs SET config = ? WHERE id = ?"), config.toJson(), jobId).executeUpdate();
        return job.withConfig(config);
    }

    /** Adds {@code added} items to the job's item count and makes the total follow it. */
    public void addToTotal(long jobPk, int added) throws SQLException {
        bind(sql.get("UPDATE jobs SET total = item_count + ?, item_count = item_count + ? WHERE pk = ?"),
                added, added, jobPk).executeUpdate();
    }

    public List<UUID> prune(Instant finishedBefore, boolean keepFailed) throws SQLException {
        String kinds = keepFailed ? "'COMPLETED', 'CANCELLED'" : "'COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED'";
        List<UUID> ids = new ArrayList<>();
        try (ResultSet rs = bind(sql.get("SELECT id FROM jobs WHERE status IN (" + kinds + ") AND finished_at < ?"
                + " ORDER BY pk"), finishedBefore).executeQuery()) {
            while (rs.next()) {
                ids.add(UUID.fromString(rs.getString(1)));
            }
        }
        PreparedStatement delete = sql.get("DELETE FROM jobs WHERE id = ?");
        for (UUID id : ids) {
            // Items, attempts and events go with the job (ON DELETE CASCADE).
            bind(delete, id).executeUpdate();
            pks.remove(id);
        }
        return ids;
    }

    /** Deletes one finished job and everything it owns; false when there is no such job. */
    public boolean delete(UUID jobId) throws SQLException {
        Optional<Job> job = find(jobId);
        if (job.isEmpty()) {
            return false;
        }
        if (!job.get().status().isFinal()) {
            throw new InvalidTransitionException("job " + jobId, job.get().status().name(), "deleted");
        }
        bind(sql.get("DELETE FROM jobs WHERE id = ?"), jobId).executeUpdate();
        pks.remove(jobId);
        return true;
    }

    /** An event to store, with its data already written as JSON. */
    public record NewEvent(EngineEvent event, String dataJson) {
    }

    /**
     * Stores events in order, as one statement batch; an event of a job that no longer exists
     * (pruned) is dropped, as in memory. None is ever rejected alone: events are checked before
     * they are queued.
     */
    public RuntimeException[] appendEvents(List<NewEvent> events) throws SQLException {
        PreparedStatement insert = sql.get("INSERT INTO events (job_pk, at, seq, type, data) VALUES (?, ?, ?, ?, ?)");
        boolean any = false;
        for (NewEvent e : events) {
            EngineEvent event = e.event();
            long pk = pkOrZero(event.jobId());
            if (pk != 0) {
                bind(insert, pk, event.at(), event.seq(), event.type(), e.dataJson()).addBatch();
                any = true;
            }
        }
        if (any) {
            insert.executeBatch();
        }
        return new RuntimeException[events.size()];
    }

    public List<EngineEvent> events(UUID jobId, int limit) throws SQLException {
        long pk = pk(jobId);
        List<EngineEvent> events = new ArrayList<>();
        try (ResultSet rs = bind(sql.get("SELECT " + Rows.EVENT_COLUMNS + " FROM events WHERE job_pk = ? ORDER BY id LIMIT ?"),
                pk, limit).executeQuery()) {
            while (rs.next()) {
                events.add(Rows.event(jobId, rs));
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
