package dev.bulwark.jdbc.internal;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.JobCounts;
import dev.bulwark.NotFoundException;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.FinishedInterval;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.NewItem;
import dev.bulwark.ledger.Rejection;
import dev.bulwark.ledger.ScopeFilter;
import dev.bulwark.ledger.StaleFenceException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Items and attempts on any {@link Dialect}: adding, claiming (through the dialect's
 * {@link ItemClaims}), recovering and reading them. Works in the transaction of the connection its
 * statements belong to; not thread-safe.
 */
public final class ItemStore {
    private static final String SELECT_ITEMS = "SELECT " + Rows.ITEM_COLUMNS + " FROM items i";
    private static final String CLAIM_OF = "SELECT status, fence FROM items WHERE job_pk = ? AND seq = ?";
    private static final String REJECT_FAILED = "UPDATE items SET status = 'FAILED', last_attempt = last_attempt - 1, "
            + "started_at = NULL, finished_at = ?, error_class = 'PERMANENT', category = ?, message = ?, exit_code = NULL, "
            + "duration_ms = NULL WHERE job_pk = ? AND seq = ? AND status = 'RUNNING' AND fence = ?";
    private static final String REJECT_PENDING = "UPDATE items SET status = 'PENDING', last_attempt = last_attempt - 1, "
            + "started_at = NULL WHERE job_pk = ? AND seq = ? AND status = 'RUNNING' AND fence = ?";

    private final Statements sql;
    private final Rows rows;
    private final Dialect dialect;
    private final JobStore jobs;
    private final Completions completions;
    /** Whether each job seen is ordered by scope ({@code --ordered-by}): fixed for a job's life. */
    private final Map<UUID, Boolean> orderedByScope = new HashMap<>();

    public ItemStore(Statements sql, Rows rows, JobStore jobs, Completions completions) {
        this.sql = sql;
        this.rows = rows;
        this.dialect = rows.dialect();
        this.jobs = jobs;
        this.completions = completions;
    }

    /**
     * Adds items as one statement batch. The job row is locked first, so two processes adding to
     * the same job take turns and the order check holds.
     */
    public void add(UUID jobId, List<NewItem> items) throws SQLException {
        long pk = jobs.lockPk(jobId);
        long last;
        try (ResultSet rs = rows.bind(sql.get("SELECT coalesce(max(seq), 0) FROM items WHERE job_pk = ?"), pk).executeQuery()) {
            rs.next();
            last = rs.getLong(1);
        }
        for (NewItem n : items) {
            if (n.seq() <= last) {
                throw new BulwarkException("item seq " + n.seq() + " must be greater than " + last);
            }
            last = n.seq();
        }
        if (items.isEmpty()) {
            return;
        }
        PreparedStatement insert = sql.get("INSERT INTO items (job_pk, seq, key, payload, scope, order_key, status) "
                + "VALUES (?, ?, ?, ?, ?, ?, 'PENDING')");
        for (NewItem n : items) {
            rows.bind(insert, pk, n.seq(), n.key(), n.payload(), n.scope(), n.orderKey()).addBatch();
        }
        insert.executeBatch();
        jobs.addToTotal(pk, items.size());
    }

    /** Claims due items, in sequence order: see {@link ItemClaims}. */
    public List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered, ScopeFilter scopes) throws SQLException {
        long pk = jobs.pk(jobId);
        if (limit < 1) {
            return List.of();
        }
        return dialect.claims().claim(sql, rows, pk, jobId, now, limit, ordered, orderedByScope(jobId), scopes);
    }

    /** Whether the job is ordered by scope ({@code --ordered-by}), read from its configuration once. */
    private boolean orderedByScope(UUID jobId) throws SQLException {
        Boolean known = orderedByScope.get(jobId);
        if (known == null) {
            known = jobs.find(jobId).map(j -> j.config().orderedBy() != null).orElse(false);
            if (orderedByScope.size() > 10_000) {
                orderedByScope.clear();
            }
            orderedByScope.put(jobId, known);
        }
        return known;
    }

    public Optional<Instant> nextDueAt(UUID jobId) throws SQLException {
        long pk = jobs.pk(jobId);
        try (ResultSet rs = rows.bind(sql.get("SELECT min(next_attempt_at) FROM items" + dialect.indexedBy("items_retry")
                + " WHERE job_pk = ? AND status = 'RETRY_WAIT'"), pk).executeQuery()) {
            return rs.next() ? Optional.ofNullable(rows.instant(rs, 1)) : Optional.empty();
        }
    }

    /**
     * Closes the attempt of every RUNNING item of the job as INTERRUPTED (category {@code crash})
     * and makes the item PENDING. The rows are locked first, so a completion arriving meanwhile
     * from anywhere waits and then finds its claim gone (stale).
     */
    public int recoverInterrupted(UUID jobId, Instant now, String worker) throws SQLException {
        long pk = jobs.pk(jobId);
        List<Item> running = read(jobId, rows.bind(sql.get(SELECT_ITEMS + dialect.indexedBy("items_running")
                + " WHERE i.job_pk = ? AND i.status = 'RUNNING' ORDER BY i.seq" + dialect.clauses().lockRows()), pk));
        List<Completion> interrupted = new ArrayList<>(running.size());
        for (Item item : running) {
            Instant started = item.startedAt() == null ? now : item.startedAt();
            Attempt a = new Attempt(jobId, item.seq(), item.lastAttempt(), started, now, AttemptOutcome.INTERRUPTED,
                    null, "crash", "the worker stopped before the attempt finished", null,
                    Math.max(0, now.toEpochMilli() - started.toEpochMilli()), worker, item.logPath());
            interrupted.add(Completion.of(a, item.fence(), ItemStatus.PENDING));
        }
        for (RuntimeException rejected : completions.writeAll(interrupted)) {
            if (rejected != null) {
                throw rejected;
            }
        }
        return running.size();
    }

    /** See {@link dev.bulwark.ledger.Ledger#recordCompensation}; the item row is locked first. */
    public void recordCompensation(Attempt a) throws SQLException {
        long pk = jobs.pk(a.jobId());
        ItemStatus status;
        int lastAttempt;
        try (ResultSet rs = rows.bind(sql.get("SELECT status, last_attempt FROM items WHERE job_pk = ? AND seq = ?"
                + dialect.clauses().lockRows()), pk, a.seq()).executeQuery()) {
            if (!rs.next()) {
                throw new NotFoundException("item " + a.seq() + " of job " + a.jobId() + " not found");
            }
            status = ItemStatus.valueOf(rs.getString(1));
            lastAttempt = rs.getInt(2);
        }
        status.checkCanBecome(ItemStatus.COMPENSATED, "item " + a.seq());
        dev.bulwark.ledger.Compensations.check(a, lastAttempt);
        completions.insertAttempt(pk, a);
        rows.bind(sql.get("UPDATE items SET status = ?, last_attempt = ?, started_at = ?, finished_at = ?, error_class = ?, "
                        + "category = ?, message = ?, exit_code = ?, duration_ms = ? WHERE job_pk = ? AND seq = ?"),
                a.outcome() == AttemptOutcome.COMPENSATED ? ItemStatus.COMPENSATED : ItemStatus.SUCCEEDED, a.number(),
                a.startedAt(), a.finishedAt(), a.errorClass(), a.category(), a.message(), a.exitCode(), a.durationMs(),
                pk, a.seq()).executeUpdate();
    }

    /** See {@link dev.bulwark.ledger.Ledger#reject}. */
    public void reject(Rejection r) throws SQLException {
        long pk = jobs.pk(r.jobId());
        int changed = r.next() == ItemStatus.FAILED
                ? rows.bind(sql.get(REJECT_FAILED), r.at(), r.category(), r.message(), pk, r.seq(), r.fence()).executeUpdate()
                : rows.bind(sql.get(REJECT_PENDING), pk, r.seq(), r.fence()).executeUpdate();
        if (changed == 0) {
            try (ResultSet rs = rows.bind(sql.get(CLAIM_OF), pk, r.seq()).executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("item " + r.seq() + " of job " + r.jobId() + " not found");
                }
                throw new StaleFenceException("item " + r.seq() + " of job " + r.jobId() + " is " + rs.getString(1)
                        + " under fence " + rs.getLong(2) + "; rejection with fence " + r.fence() + " refused");
            }
        }
    }

    public long skipRemaining(UUID jobId) throws SQLException {
        long pk = jobs.pk(jobId);
        long skipped = 0;
        // One statement per status, so each walks its partial index rather than the whole job.
        for (ItemStatus status : List.of(ItemStatus.PENDING, ItemStatus.RETRY_WAIT)) {
            skipped += rows.bind(sql.get("UPDATE items" + dialect.indexedBy(indexOf(status))
                    + " SET status = 'SKIPPED', next_attempt_at = NULL WHERE job_pk = ? AND status = '" + status.name() + "'"),
                    pk).executeUpdate();
        }
        return skipped;
    }

    public long reopen(UUID jobId, ItemStatus from) throws SQLException {
        if (from != ItemStatus.FAILED && from != ItemStatus.SKIPPED) {
            throw new IllegalArgumentException("only FAILED or SKIPPED items can be re-opened, not " + from);
        }
        long pk = jobs.pk(jobId);
        return rows.bind(sql.get("UPDATE items SET status = 'PENDING', attempts = 0, next_attempt_at = NULL "
                + "WHERE job_pk = ? AND status = ?"), pk, from).executeUpdate();
    }

    /** Succeeded and failed items per interval of {@code width} of their finishing time, from {@code from}. */
    public List<FinishedInterval> finishedOverTime(UUID jobId, Instant from, Duration width) throws SQLException {
        long pk = jobs.pk(jobId);
        List<FinishedInterval> out = new ArrayList<>();
        String bucket = String.format(dialect.clauses().intervalOf(), "finished_at");
        try (ResultSet rs = rows.bind(sql.get("SELECT " + bucket + ", sum(CASE WHEN status = 'SUCCEEDED' THEN 1 ELSE 0 END), "
                + "sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) FROM items "
                + "WHERE job_pk = ? AND status IN ('SUCCEEDED', 'FAILED') AND finished_at >= ? GROUP BY 1 ORDER BY 1"),
                from.toEpochMilli(), width.toMillis(), pk, from).executeQuery()) {
            while (rs.next()) {
                out.add(new FinishedInterval(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
            }
        }
        return out;
    }

    /** Re-opens one FAILED or SKIPPED item (PENDING, attempts back at 0); false when it is not such an item. */
    public boolean reopenItem(UUID jobId, long seq) throws SQLException {
        long pk = jobs.pk(jobId);
        return rows.bind(sql.get("UPDATE items SET status = 'PENDING', attempts = 0, next_attempt_at = NULL "
                + "WHERE job_pk = ? AND seq = ? AND status IN ('FAILED', 'SKIPPED')"), pk, seq).executeUpdate() == 1;
    }

    public JobCounts counts(UUID jobId) throws SQLException {
        long pk = jobs.pk(jobId);
        long[] byStatus = new long[ItemStatus.values().length];
        long total = 0;
        long retries = 0;
        long interruptions = 0;
        try (ResultSet rs = rows.bind(sql.get("SELECT status, count(*), coalesce(sum(" + dialect.clauses().greatest()
                + "(attempts - 1, 0)), 0), coalesce(sum(interruptions), 0) FROM items WHERE job_pk = ? GROUP BY status"), pk)
                .executeQuery()) {
            while (rs.next()) {
                long n = rs.getLong(2);
                byStatus[ItemStatus.valueOf(rs.getString(1)).ordinal()] = n;
                total += n;
                retries += rs.getLong(3);
                interruptions += rs.getLong(4);
            }
        }
        return new JobCounts(total, byStatus[ItemStatus.PENDING.ordinal()], byStatus[ItemStatus.RUNNING.ordinal()],
                byStatus[ItemStatus.RETRY_WAIT.ordinal()], byStatus[ItemStatus.SUCCEEDED.ordinal()],
                byStatus[ItemStatus.FAILED.ordinal()], byStatus[ItemStatus.SKIPPED.ordinal()], retries, interruptions,
                byStatus[ItemStatus.COMPENSATED.ordinal()]);
    }

    public Optional<Item> find(UUID jobId, long seq) throws SQLException {
        long pk = jobs.pkOrZero(jobId);
        if (pk == 0) {
            return Optional.empty();
        }
        List<Item> found = read(jobId, rows.bind(sql.get(SELECT_ITEMS + " WHERE i.job_pk = ? AND i.seq = ?"), pk, seq));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    public List<Item> page(UUID jobId, ItemQuery query) throws SQLException {
        long pk = jobs.pk(jobId);
        List<ItemStatus> statuses = query.statuses().stream().sorted().toList();
        String filter = statuses.isEmpty() ? "" : " AND i.status IN (" + JobStore.placeholders(statuses.size()) + ")";
        Object[] params = new Object[statuses.size() + 3];
        params[0] = pk;
        params[1] = query.afterSeq();
        for (int i = 0; i < statuses.size(); i++) {
            params[i + 2] = statuses.get(i);
        }
        params[params.length - 1] = query.limit();
        return read(jobId, rows.bind(sql.get(SELECT_ITEMS + " WHERE i.job_pk = ? AND i.seq > ?" + filter
                + " ORDER BY i.seq LIMIT ?"), params));
    }

    public List<Attempt> attempts(UUID jobId, long seq) throws SQLException {
        long pk = jobs.pk(jobId);
        List<Attempt> attempts = new ArrayList<>();
        try (ResultSet rs = rows.bind(sql.get("SELECT " + Rows.ATTEMPT_COLUMNS
                + " FROM attempts WHERE job_pk = ? AND seq = ? ORDER BY number"), pk, seq).executeQuery()) {
            while (rs.next()) {
                attempts.add(rows.attempt(jobId, seq, rs));
            }
        }
        return attempts;
    }

    /** The partial index holding the items in {@code status} (see the schemas). */
    public static String indexOf(ItemStatus status) {
        return switch (status) {
            case PENDING -> "items_pending";
            case RUNNING -> "items_running";
            case RETRY_WAIT -> "items_retry";
            default -> throw new IllegalArgumentException("no index for " + status);
        };
    }

    private List<Item> read(UUID jobId, PreparedStatement query) throws SQLException {
        List<Item> items = new ArrayList<>();
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                items.add(rows.item(jobId, rs));
            }
        }
        return items;
    }
}
