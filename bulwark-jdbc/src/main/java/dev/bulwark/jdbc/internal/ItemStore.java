package dev.bulwark.jdbc.internal;

import static dev.bulwark.jdbc.internal.Rows.bind;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.JobCounts;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.FinishedInterval;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.NewItem;
import dev.bulwark.ledger.Rejection;
import dev.bulwark.ledger.ScopeFilter;
import dev.bulwark.ledger.StaleFenceException;
import dev.bulwark.internal.Json;
import dev.bulwark.NotFoundException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Items and attempts: adding, claiming, recovering and reading them. Runs on the ledger's writer thread only. */
public final class ItemStore {
    private static final String SELECT_ITEMS = "SELECT " + Rows.ITEM_COLUMNS + " FROM items ";
    /** Parameters: 1 fence base, 2 now, 3 (the rest of the condition), 4 job. */
    private static final String CLAIM = "UPDATE items SET status = 'RUNNING', last_attempt = last_attempt + 1, fence = ?1 + seq, "
            + "next_attempt_at = NULL, started_at = ?2, finished_at = NULL WHERE job_pk = ?4 AND ";
    private static final String RETURNING = " RETURNING " + Rows.CLAIMED_COLUMNS;
    /**
     * The lowest due sequence numbers: PENDING ones and RETRY_WAIT ones due by now, each from its
     * partial index, merged. INDEXED BY, since without statistics SQLite would rather walk the
     * primary key through the whole job.
     */
    private static final String CLAIM_DUE = claimDue("");
    /** The breaker scope of a row, as {@link Item#scopeOf}: items without one are in the job's scope. */
    private static final String SCOPE = "coalesce(nullif(scope, ''), '" + Item.JOB_SCOPE + "')";
    /** Parameter 5: a JSON array of the scopes left out. */
    private static final String SKIP_SCOPES = " AND " + SCOPE + " NOT IN (SELECT value FROM json_each(?5))";
    /** Parameter 5: the one scope taken. */
    private static final String ONLY_SCOPE = " AND " + SCOPE + " = ?5";
    private static final String CLAIM_DUE_SKIP = claimDue(SKIP_SCOPES);
    private static final String CLAIM_DUE_ONLY = claimDue(ONLY_SCOPE);
    private static String claimDue(String scopeCondition) {
        return CLAIM + "seq IN (SELECT seq FROM ("
                + "SELECT seq FROM items INDEXED BY items_pending WHERE job_pk = ?4 AND status = 'PENDING'" + scopeCondition
                + " ORDER BY seq LIMIT ?3) UNION ALL SELECT seq FROM (SELECT seq FROM items INDEXED BY items_retry "
                + "WHERE job_pk = ?4 AND status = 'RETRY_WAIT' AND next_attempt_at <= ?2" + scopeCondition
                + " ORDER BY seq LIMIT ?3) ORDER BY seq LIMIT ?3)" + RETURNING;
    }

    private static final List<ItemStatus> UNFINISHED = List.of(ItemStatus.PENDING, ItemStatus.RUNNING, ItemStatus.RETRY_WAIT);

    private final Statements sql;
    private final JobStore jobs;
    private final Completions completions;

    public ItemStore(Statements sql, JobStore jobs, Completions completions) {
        this.sql = sql;
        this.jobs = jobs;
        this.completions = completions;
    }

    public void add(UUID jobId, List<NewItem> items) throws SQLException {
        long pk = jobs.pk(jobId);
        long last;
        try (ResultSet rs = bind(sql.get("SELECT coalesce(max(seq), 0) FROM items WHERE job_pk = ?"), pk).executeQuery()) {
            rs.next();
            last = rs.getLong(1);
        }
        for (NewItem n : items) {
            if (n.seq() <= last) {
                throw new BulwarkException("item seq " + n.seq() + " must be greater than " + last);
            }
            last = n.seq();
        }
        PreparedStatement insert = sql.get("INSERT INTO items (job_pk, seq, key, payload, scope, status) VALUES (?, ?, ?, ?, ?, 'PENDING')");
        for (NewItem n : items) {
            bind(insert, pk, n.seq(), n.key(), n.payload(), n.scope()).addBatch();
        }
        insert.executeBatch();
        jobs.addToTotal(pk, items.size());
    }

    /**
     * Claims due items with one UPDATE … RETURNING: it picks the items, moves them to RUNNING and
     * hands back their rows in a single pass. Fences are the claim's base (above every earlier
     * fence) plus each item's sequence number, unique without numbering the items one by one; the
     * stored last fence moves past the highest one handed out. It is read in the claim's own
     * transaction rather than kept in memory, so even a second writer could never repeat a fence.
     */
    public List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered, ScopeFilter scopes) throws SQLException {
        long pk = jobs.pk(jobId);
        if (limit < 1) {
            return List.of();
        }
        long base = meta("last_fence");
        String scopeCondition = scopes.isAll() ? "" : scopes.only() != null ? ONLY_SCOPE : SKIP_SCOPES;
        Object scopeParam = scopes.only() != null ? scopes.only() : Json.write(scopes.skip());
        List<Item> claimed;
        if (ordered) {
            long lowest = lowestUnfinishedIfNotRunning(pk);
            String one = CLAIM + "seq = ?3 AND (status = 'PENDING' OR (status = 'RETRY_WAIT' AND next_attempt_at <= ?2))"
                    + scopeCondition + RETURNING;
            claimed = lowest < 0 ? List.of() : scopes.isAll() ? claimed(jobId, bind(sql.get(one), base, now, lowest, pk))
                    : claimed(jobId, bind(sql.get(one), base, now, lowest, pk, scopeParam));
        } else if (scopes.isAll()) {
            claimed = claimed(jobId, bind(sql.get(CLAIM_DUE), base, now, limit, pk));
        } else {
            claimed = claimed(jobId, bind(sql.get(scopes.only() != null ? CLAIM_DUE_ONLY : CLAIM_DUE_SKIP),
                    base, now, limit, pk, scopeParam));
        }
        if (!claimed.isEmpty()) {
            long lastFence = base + claimed.get(claimed.size() - 1).seq();
            bind(sql.get("UPDATE ledger_meta SET value = ? WHERE name = 'last_fence'"), lastFence).executeUpdate();
        }
        return claimed;
    }

    /**
     * For ordered jobs: the sequence number of the lowest item without a final outcome, or -1 if
     * there is none or it is running. One min() per status, each on its own partial index.
     */
    private long lowestUnfinishedIfNotRunning(long jobPk) throws SQLException {
        long lowest = Long.MAX_VALUE;
        ItemStatus lowestStatus = null;
        for (ItemStatus status : UNFINISHED) {
            PreparedStatement min = sql.get("SELECT min(seq) FROM items INDEXED BY " + indexOf(status)
                    + " WHERE job_pk = ? AND status = '" + status.name() + "'");
            try (ResultSet rs = bind(min, jobPk).executeQuery()) {
                long seq = rs.next() ? rs.getLong(1) : 0;
                if (!rs.wasNull() && seq < lowest) {
                    lowest = seq;
                    lowestStatus = status;
                }
            }
        }
        return lowestStatus == null || lowestStatus == ItemStatus.RUNNING ? -1 : lowest;
    }

    public Optional<Instant> nextDueAt(UUID jobId) throws SQLException {
        long pk = jobs.pk(jobId);
        try (ResultSet rs = bind(sql.get("SELECT min(next_attempt_at) FROM items INDEXED BY items_retry "
                + "WHERE job_pk = ? AND status = 'RETRY_WAIT'"),
                pk).executeQuery()) {
            return rs.next() ? Optional.ofNullable(Rows.instant(rs, 1)) : Optional.empty();
        }
    }

    public int recoverInterrupted(UUID jobId, Instant now, String worker) throws SQLException {
        long pk = jobs.pk(jobId);
        List<Item> running = read(jobId, bind(sql.get(SELECT_ITEMS
                + "INDEXED BY items_running WHERE job_pk = ? AND status = 'RUNNING' ORDER BY seq"), pk));
        for (Item item : running) {
            Instant started = item.startedAt() == null ? now : item.startedAt();
            Attempt a = new Attempt(jobId, item.seq(), item.lastAttempt(), started, now, AttemptOutcome.INTERRUPTED,
                    null, "crash", "the worker stopped before the attempt finished", null,
                    Math.max(0, now.toEpochMilli() - started.toEpochMilli()), worker, item.logPath());
            RuntimeException rejected = completions.apply(Completion.of(a, item.fence(), ItemStatus.PENDING));
            if (rejected != null) {
                throw rejected;
            }
        }
        return running.size();
    }

    /** See {@link dev.bulwark.ledger.Ledger#recordCompensation}. */
    public void recordCompensation(Attempt a) throws SQLException {
        Item item = find(a.jobId(), a.seq()).orElseThrow(
                () -> new NotFoundException("item " + a.seq() + " of job " + a.jobId() + " not found"));
        item.status().checkCanBecome(ItemStatus.COMPENSATED, "item " + a.seq());
        dev.bulwark.ledger.Compensations.check(a, item.lastAttempt());
        long pk = jobs.pk(a.jobId());
        completions.insertAttempt(pk, a);
        bind(sql.get("UPDATE items SET status = ?, last_attempt = ?, started_at = ?, finished_at = ?, error_class = ?, "
                        + "category = ?, message = ?, exit_code = ?, duration_ms = ? WHERE job_pk = ? AND seq = ?"),
                a.outcome() == AttemptOutcome.COMPENSATED ? ItemStatus.COMPENSATED : ItemStatus.SUCCEEDED, a.number(),
                a.startedAt(), a.finishedAt(), a.errorClass(), a.category(), a.message(), a.exitCode(), a.durationMs(),
                pk, a.seq()).executeUpdate();
    }

    /** See {@link dev.bulwark.ledger.Ledger#reject}. */
    public void reject(Rejection r) throws SQLException {
        long pk = jobs.pk(r.jobId());
        boolean failed = r.next() == ItemStatus.FAILED;
        int changed = bind(sql.get("UPDATE items SET status = ?, last_attempt = last_attempt - 1, started_at = NULL, "
                        + "finished_at = ?, error_class = CASE WHEN ?3 IS NULL THEN error_class ELSE 'PERMANENT' END, "
                        + "category = coalesce(?3, category), message = CASE WHEN ?3 IS NULL THEN message ELSE ?4 END, "
                        + "exit_code = CASE WHEN ?3 IS NULL THEN exit_code END, duration_ms = CASE WHEN ?3 IS NULL THEN duration_ms END "
                        + "WHERE job_pk = ? AND seq = ? AND status = 'RUNNING' AND fence = ?"),
                r.next(), failed ? r.at() : null, failed ? r.category() : null, r.message(), pk, r.seq(), r.fence())
                .executeUpdate();
        if (changed == 0) {
            Optional<Item> item = find(r.jobId(), r.seq());
            if (item.isEmpty()) {
                throw new NotFoundException("item " + r.seq() + " of job " + r.jobId() + " not found");
            }
            throw new StaleFenceException("item " + r.seq() + " of job " + r.jobId() + " is " + item.get().status()
                    + " under fence " + item.get().fence() + "; rejection with fence " + r.fence() + " refused");
        }
    }

    public long skipRemaining(UUID jobId) throws SQLException {
        long pk = jobs.pk(jobId);
        long skipped = 0;
        // One statement per status, so each walks its partial index rather than the whole job.
        for (ItemStatus status : List.of(ItemStatus.PENDING, ItemStatus.RETRY_WAIT)) {
            skipped += bind(sql.get("UPDATE items INDEXED BY " + indexOf(status) + " SET status = 'SKIPPED', next_attempt_at = NULL "
                    + "WHERE job_pk = ? AND status = '" + status.name() + "'"), pk).executeUpdate();
        }
        return skipped;
    }

    public long reopen(UUID jobId, ItemStatus from) throws SQLException {
        long pk = jobs.pk(jobId);
        if (from != ItemStatus.FAILED && from != ItemStatus.SKIPPED) {
            throw new IllegalArgumentException("only FAILED or SKIPPED items can be re-opened, not " + from);
        }
        return bind(sql.get("UPDATE items SET status = 'PENDING', attempts = 0, next_attempt_at = NULL "
                + "WHERE job_pk = ? AND status = ?"), pk, from).executeUpdate();
    }

    public List<FinishedInterval> finishedOverTime(UUID jobId, Instant from, Duration width) throws SQLException {
        long pk = jobs.pk(jobId);
        List<FinishedInterval> out = new ArrayList<>();
        try (ResultSet rs = bind(sql.get("SELECT (finished_at - ?) / ?, sum(status = 'SUCCEEDED'), sum(status = 'FAILED') FROM items "
                + "WHERE job_pk = ? AND status IN ('SUCCEEDED', 'FAILED') AND finished_at >= ? GROUP BY 1 ORDER BY 1"),
                from.toEpochMilli(), width.toMillis(), pk, from.toEpochMilli()).executeQuery()) {
            while (rs.next()) {
                out.add(new FinishedInterval(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
            }
        }
        return out;
    }

    public boolean reopenItem(UUID jobId, long seq) throws SQLException {
        long pk = jobs.pk(jobId);
        return bind(sql.get("UPDATE items SET status = 'PENDING', attempts = 0, next_attempt_at = NULL "
                + "WHERE job_pk = ? AND seq = ? AND status IN ('FAILED', 'SKIPPED')"), pk, seq).executeUpdate() == 1;
    }

    public JobCounts counts(UUID jobId) throws SQLException {
        long pk = jobs.pk(jobId);
        long[] byStatus = new long[ItemStatus.values().length];
        long total = 0;
        long retries = 0;
        long interruptions = 0;
        try (ResultSet rs = bind(sql.get("SELECT status, count(*), sum(max(attempts - 1, 0)), sum(interruptions) "
                + "FROM items WHERE job_pk = ? GROUP BY status"), pk).executeQuery()) {
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
        List<Item> found = read(jobId, bind(sql.get(SELECT_ITEMS + "WHERE job_pk = ? AND seq = ?"), pk, seq));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    public List<Item> page(UUID jobId, ItemQuery query) throws SQLException {
        long pk = jobs.pk(jobId);
        List<ItemStatus> statuses = query.statuses().stream().sorted().toList();
        String filter = statuses.isEmpty() ? "" : " AND status IN (" + JobStore.placeholders(statuses.size()) + ")";
        Object[] params = new Object[statuses.size() + 3];
        params[0] = pk;
        params[1] = query.afterSeq();
        for (int i = 0; i < statuses.size(); i++) {
            params[i + 2] = statuses.get(i);
        }
        params[params.length - 1] = query.limit();
        return read(jobId, bind(sql.get(SELECT_ITEMS + "WHERE job_pk = ? AND seq > ?" + filter + " ORDER BY seq LIMIT ?"), params));
    }

    public List<Attempt> attempts(UUID jobId, long seq) throws SQLException {
        long pk = jobs.pk(jobId);
        List<Attempt> attempts = new ArrayList<>();
        try (ResultSet rs = bind(sql.get("SELECT " + Rows.ATTEMPT_COLUMNS + " FROM attempts WHERE job_pk = ? AND seq = ? ORDER BY number"),
                pk, seq).executeQuery()) {
            while (rs.next()) {
                attempts.add(Rows.attempt(jobId, seq, rs));
            }
        }
        return attempts;
    }

    /** The partial index holding the items in {@code status} (see the schema). */
    private static String indexOf(ItemStatus status) {
        return switch (status) {
            case PENDING -> "items_pending";
            case RUNNING -> "items_running";
            case RETRY_WAIT -> "items_retry";
            default -> throw new IllegalArgumentException("no index for " + status);
        };
    }

    private long meta(String name) throws SQLException {
        try (ResultSet rs = bind(sql.get("SELECT value FROM ledger_meta WHERE name = ?"), name).executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Runs a claim and returns the claimed items in sequence order (RETURNING promises no order). */
    private static List<Item> claimed(UUID jobId, PreparedStatement claim) throws SQLException {
        List<Item> items = new ArrayList<>();
        try (ResultSet rs = claim.executeQuery()) {
            while (rs.next()) {
                items.add(Rows.claimed(jobId, rs));
            }
        }
        items.sort(Comparator.comparingLong(Item::seq));
        return items;
    }

    private static List<Item> read(UUID jobId, PreparedStatement query) throws SQLException {
        List<Item> items = new ArrayList<>();
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                items.add(Rows.item(jobId, rs));
            }
        }
        return items;
    }
}
