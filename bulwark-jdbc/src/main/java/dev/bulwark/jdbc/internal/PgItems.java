package dev.bulwark.jdbc.internal;

import static dev.bulwark.jdbc.internal.PgRows.bind;

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
import dev.bulwark.NotFoundException;
import java.sql.Connection;
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

/**
 * Items and attempts in the PostgreSQL ledger: adding, claiming, recovering and reading them.
 * Stateless, like {@link PgJobs}.
 */
public final class PgItems {
    /**
     * Claims the lowest due items of a job. Each of the two candidate lists (PENDING items, and
     * RETRY_WAIT items due by now) comes from its own partial index, in sequence order, and skips
     * rows that another transaction has locked (another worker claiming them right now): claimers
     * never wait for each other and never get the same item. The lowest of both lists become
     * RUNNING with a new fence from the sequence. Parameters: job id, limit, now, limit, limit, now.
     *
     * <p>FOR NO KEY UPDATE is the row lock of the FOR UPDATE family that an UPDATE of non-key
     * columns takes anyway; unlike FOR UPDATE it does not block the foreign-key checks of attempts.
     */
    private static final String CLAIM_DUE = claimDue("");
    /** The breaker scope of a row, as {@link Item#scopeOf}: items without one are in the job's scope. */
    private static final String SCOPE = "coalesce(nullif(scope, ''), '" + Item.JOB_SCOPE + "')";
    /** Claims leaving out the scopes of an array parameter (after the limit of each candidate list). */
    private static final String CLAIM_DUE_SKIP = claimDue(" AND " + SCOPE + " <> ALL (?::text[])");
    /** Claims of the one scope of a parameter. */
    private static final String CLAIM_DUE_ONLY = claimDue(" AND " + SCOPE + " = ?");

    /** Parameters: job id, [scope], limit, now, [scope], limit, limit, now. */
    private static String claimDue(String scopeCondition) {
        return "WITH j AS (SELECT pk FROM jobs WHERE id = ?), "
                + "pending AS (SELECT seq FROM items WHERE job_pk = (SELECT pk FROM j) AND status = 'PENDING'" + scopeCondition
                + " ORDER BY seq LIMIT ? FOR NO KEY UPDATE SKIP LOCKED), "
                + "due AS (SELECT seq FROM items WHERE job_pk = (SELECT pk FROM j) AND status = 'RETRY_WAIT' "
                + "AND next_attempt_at <= ?::timestamptz" + scopeCondition + " ORDER BY seq LIMIT ? FOR NO KEY UPDATE SKIP LOCKED), "
                + "picked AS (SELECT seq FROM pending UNION ALL SELECT seq FROM due ORDER BY seq LIMIT ?) "
                + "UPDATE items i SET status = 'RUNNING', last_attempt = i.last_attempt + 1, fence = nextval('item_fences'), "
                + "next_attempt_at = NULL, started_at = ?::timestamptz, finished_at = NULL "
                + "FROM picked WHERE i.job_pk = (SELECT pk FROM j) AND i.seq = picked.seq RETURNING " + PgRows.ITEM_COLUMNS;
    }
    /**
     * Ordered jobs: the lowest item without a final outcome, locked. No SKIP LOCKED here: an item
     * locked by another claimer or by a completion is waited for and then looked at again, so the
     * next item is never taken while a lower one is still open.
     */
    private static final String LOWEST_UNFINISHED = "SELECT seq, status, next_attempt_at <= ?::timestamptz, scope FROM items "
            + "WHERE job_pk = ? AND status IN ('PENDING', 'RUNNING', 'RETRY_WAIT') ORDER BY seq LIMIT 1 FOR NO KEY UPDATE";
    private static final String CLAIM_ONE = "UPDATE items i SET status = 'RUNNING', last_attempt = i.last_attempt + 1, "
            + "fence = nextval('item_fences'), next_attempt_at = NULL, started_at = ?::timestamptz, finished_at = NULL "
            + "WHERE i.job_pk = ? AND i.seq = ? RETURNING " + PgRows.ITEM_COLUMNS;

    private PgItems() {
    }

    /**
     * Adds items with one INSERT of arrays (unnest), whatever their number. The job row is locked
     * first, so two processes adding to the same job take turns and the order check holds.
     */
    public static void add(Connection c, UUID jobId, List<NewItem> items) throws SQLException {
        long pk = PgJobs.lockPk(c, jobId);
        long last;
        try (PreparedStatement max = c.prepareStatement("SELECT coalesce(max(seq), 0) FROM items WHERE job_pk = ?")) {
            try (ResultSet rs = bind(max, pk).executeQuery()) {
                rs.next();
                last = rs.getLong(1);
            }
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
        Long[] seqs = new Long[items.size()];
        String[] keys = new String[items.size()];
        String[] payloads = new String[items.size()];
        String[] scopes = new String[items.size()];
        for (int i = 0; i < items.size(); i++) {
            NewItem n = items.get(i);
            seqs[i] = n.seq();
            keys[i] = PgRows.text(n.key());
            payloads[i] = PgRows.text(n.payload());
            scopes[i] = PgRows.text(n.scope());
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO items (job_pk, seq, key, payload, scope, status) "
                + "SELECT ?, s, k, p, sc, 'PENDING' FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS n (s, k, p, sc)")) {
            insert.setLong(1, pk);
            insert.setArray(2, c.createArrayOf("bigint", seqs));
            insert.setArray(3, c.createArrayOf("text", keys));
            insert.setArray(4, c.createArrayOf("text", payloads));
            insert.setArray(5, c.createArrayOf("text", scopes));
            insert.executeUpdate();
        }
        PgJobs.addToTotal(c, pk, items.size());
    }

    /** Claims due items (see {@link #CLAIM_DUE} and {@link #LOWEST_UNFINISHED}); returns them in sequence order. */
    public static List<Item> claim(Connection c, UUID jobId, Instant now, int limit, boolean ordered, ScopeFilter scopes)
            throws SQLException {
        if (limit < 1) {
            PgJobs.pk(c, jobId);
            return List.of();
        }
        if (ordered) {
            return claimOrdered(c, jobId, now, scopes);
        }
        List<Item> claimed;
        if (scopes.isAll()) {
            try (PreparedStatement claim = c.prepareStatement(CLAIM_DUE)) {
                claimed = read(jobId, bind(claim, jobId, limit, now, limit, limit, now));
            }
        } else {
            boolean only = scopes.only() != null;
            try (PreparedStatement claim = c.prepareStatement(only ? CLAIM_DUE_ONLY : CLAIM_DUE_SKIP)) {
                Object scope = only ? scopes.only() : c.createArrayOf("text", scopes.skip().toArray());
                claimed = read(jobId, bind(claim, jobId, scope, limit, now, scope, limit, limit, now));
            }
        }
        if (claimed.isEmpty()) {
            // Nothing due, or no such job: only then is the job looked up on its own.
            PgJobs.pk(c, jobId);
        }
        // RETURNING promises no order.
        claimed.sort(Comparator.comparingLong(Item::seq));
        return claimed;
    }

    private static List<Item> claimOrdered(Connection c, UUID jobId, Instant now, ScopeFilter scopes) throws SQLException {
        long pk = PgJobs.pk(c, jobId);
        long seq;
        try (PreparedStatement lowest = c.prepareStatement(LOWEST_UNFINISHED)) {
            try (ResultSet rs = bind(lowest, now, pk).executeQuery()) {
                if (!rs.next()) {
                    return List.of();
                }
                seq = rs.getLong(1);
                ItemStatus status = ItemStatus.valueOf(rs.getString(2));
                boolean due = status == ItemStatus.PENDING || (status == ItemStatus.RETRY_WAIT && rs.getBoolean(3));
                if (!due || !scopes.admits(rs.getString(4))) {
                    return List.of();
                }
            }
        }
        try (PreparedStatement claim = c.prepareStatement(CLAIM_ONE)) {
            return read(jobId, bind(claim, now, pk, seq));
        }
    }

    /** See {@link dev.bulwark.ledger.Ledger#recordCompensation}; the item row is locked first. */
    public static void recordCompensation(Connection c, Attempt a) throws SQLException {
        long pk = PgJobs.pk(c, a.jobId());
        ItemStatus status;
        int lastAttempt;
        try (PreparedStatement ps = c.prepareStatement("SELECT status, last_attempt FROM items WHERE job_pk = ? AND seq = ? FOR UPDATE")) {
            try (ResultSet rs = bind(ps, pk, a.seq()).executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("item " + a.seq() + " of job " + a.jobId() + " not found");
                }
                status = ItemStatus.valueOf(rs.getString(1));
                lastAttempt = rs.getInt(2);
            }
        }
        status.checkCanBecome(ItemStatus.COMPENSATED, "item " + a.seq());
        dev.bulwark.ledger.Compensations.check(a, lastAttempt);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO attempts (job_pk, seq, " + PgRows.ATTEMPT_COLUMNS
                + ") VALUES (?, ?, ?, ?::timestamptz, ?::timestamptz, ?, ?, ?, ?, ?::integer, ?, ?, ?)")) {
            bind(ps, pk, a.seq(), a.number(), a.startedAt(), a.finishedAt(), a.outcome(), a.errorClass(), a.category(),
                    a.message(), a.exitCode(), a.durationMs(), a.worker(), a.logPath()).executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE items SET status = ?, last_attempt = ?, started_at = ?::timestamptz, "
                + "finished_at = ?::timestamptz, error_class = ?, category = ?, message = ?, exit_code = ?::integer, duration_ms = ? "
                + "WHERE job_pk = ? AND seq = ?")) {
            bind(ps, a.outcome() == AttemptOutcome.COMPENSATED ? ItemStatus.COMPENSATED : ItemStatus.SUCCEEDED, a.number(),
                    a.startedAt(), a.finishedAt(), a.errorClass(), a.category(), a.message(), a.exitCode(), a.durationMs(),
                    pk, a.seq()).executeUpdate();
        }
    }

    /** See {@link dev.bulwark.ledger.Ledger#reject}. */
    public static void reject(Connection c, Rejection r) throws SQLException {
        long pk = PgJobs.pk(c, r.jobId());
        boolean failed = r.next() == ItemStatus.FAILED;
        String sql = failed
                ? "UPDATE items SET status = 'FAILED', last_attempt = last_attempt - 1, started_at = NULL, "
                + "finished_at = ?::timestamptz, error_class = 'PERMANENT', category = ?, message = ?, exit_code = NULL, "
                + "duration_ms = NULL WHERE job_pk = ? AND seq = ? AND status = 'RUNNING' AND fence = ?"
                : "UPDATE items SET status = 'PENDING', last_attempt = last_attempt - 1, started_at = NULL "
                + "WHERE job_pk = ? AND seq = ? AND status = 'RUNNING' AND fence = ?";
        int changed;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            changed = (failed ? bind(ps, r.at(), r.category(), r.message(), pk, r.seq(), r.fence())
                    : bind(ps, pk, r.seq(), r.fence())).executeUpdate();
        }
        if (changed == 0) {
            try (PreparedStatement ps = c.prepareStatement("SELECT status, fence FROM items WHERE job_pk = ? AND seq = ?")) {
                try (ResultSet rs = bind(ps, pk, r.seq()).executeQuery()) {
                    if (!rs.next()) {
                        throw new NotFoundException("item " + r.seq() + " of job " + r.jobId() + " not found");
                    }
                    throw new StaleFenceException("item " + r.seq() + " of job " + r.jobId() + " is " + rs.getString(1)
                            + " under fence " + rs.getLong(2) + "; rejection with fence " + r.fence() + " refused");
                }
            }
        }
    }

    public static Optional<Instant> nextDueAt(Connection c, UUID jobId) throws SQLException {
        long pk = PgJobs.pk(c, jobId);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT min(next_attempt_at) FROM items WHERE job_pk = ? AND status = 'RETRY_WAIT'")) {
            try (ResultSet rs = bind(ps, pk).executeQuery()) {
                return rs.next() ? Optional.ofNullable(PgRows.instant(rs, 1)) : Optional.empty();
            }
        }
    }

    /**
     * Closes the attempt of every RUNNING item of the job as INTERRUPTED (category {@code crash})
     * and makes the item PENDING. The rows are locked first, so a completion arriving meanwhile
     * from anywhere waits and then finds its claim gone (stale).
     */
    public static int recoverInterrupted(Connection c, UUID jobId, Instant now, String worker) throws SQLException {
        long pk = PgJobs.pk(c, jobId);
        List<Item> running;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PgRows.ITEM_COLUMNS + " FROM items i "
                + "WHERE i.job_pk = ? AND i.status = 'RUNNING' ORDER BY i.seq FOR NO KEY UPDATE")) {
            running = read(jobId, bind(ps, pk));
        }
        List<Completion> interrupted = new ArrayList<>(running.size());
        for (Item item : running) {
            Instant started = item.startedAt() == null ? now : item.startedAt();
            Attempt a = new Attempt(jobId, item.seq(), item.lastAttempt(), started, now, AttemptOutcome.INTERRUPTED,
                    null, "crash", "the worker stopped before the attempt finished", null,
                    Math.max(0, now.toEpochMilli() - started.toEpochMilli()), worker, item.logPath());
            interrupted.add(Completion.of(a, item.fence(), ItemStatus.PENDING));
        }
        if (!interrupted.isEmpty()) {
            RuntimeException[] rejected = PgCompletions.writeAll(c, interrupted);
            for (RuntimeException r : rejected) {
                if (r != null) {
                    throw r;
                }
            }
        }
        return running.size();
    }

    public static long skipRemaining(Connection c, UUID jobId) throws SQLException {
        long pk = PgJobs.pk(c, jobId);
        long skipped = 0;
        // One statement per status, so each walks its own partial index rather than the whole job.
        for (String status : List.of("PENDING", "RETRY_WAIT")) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE items SET status = 'SKIPPED', next_attempt_at = NULL "
                    + "WHERE job_pk = ? AND status = '" + status + "'")) {
                skipped += bind(ps, pk).executeUpdate();
            }
        }
        return skipped;
    }

    public static long reopen(Connection c, UUID jobId, ItemStatus from) throws SQLException {
        if (from != ItemStatus.FAILED && from != ItemStatus.SKIPPED) {
            throw new IllegalArgumentException("only FAILED or SKIPPED items can be re-opened, not " + from);
        }
        long pk = PgJobs.pk(c, jobId);
        try (PreparedStatement ps = c.prepareStatement("UPDATE items SET status = 'PENDING', attempts = 0, next_attempt_at = NULL "
                + "WHERE job_pk = ? AND status = ?")) {
            return bind(ps, pk, from).executeUpdate();
        }
    }

    public static List<FinishedInterval> finishedOverTime(Connection c, UUID jobId, Instant from, Duration width) throws SQLException {
        long pk = PgJobs.pk(c, jobId);
        List<FinishedInterval> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT floor((extract(epoch FROM finished_at) * 1000 - ?) / ?)::bigint AS b, "
                + "count(*) FILTER (WHERE status = 'SUCCEEDED'), count(*) FILTER (WHERE status = 'FAILED') FROM items "
                + "WHERE job_pk = ? AND status IN ('SUCCEEDED', 'FAILED') AND finished_at >= to_timestamp(? / 1000.0) GROUP BY b ORDER BY b")) {
            ps.setLong(1, from.toEpochMilli());
            ps.setLong(2, width.toMillis());
            ps.setLong(3, pk);
            ps.setLong(4, from.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new FinishedInterval(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
                }
            }
        }
        return out;
    }

    public static boolean reopenItem(Connection c, UUID jobId, long seq) throws SQLException {
        long pk = PgJobs.pk(c, jobId);
        try (PreparedStatement ps = c.prepareStatement("UPDATE items SET status = 'PENDING', attempts = 0, next_attempt_at = NULL "
                + "WHERE job_pk = ? AND seq = ? AND status IN ('FAILED', 'SKIPPED')")) {
            return bind(ps, pk, seq).executeUpdate() == 1;
        }
    }

    public static JobCounts counts(Connection c, UUID jobId) throws SQLException {
        long pk = PgJobs.pk(c, jobId);
        long[] byStatus = new long[ItemStatus.values().length];
        long total = 0;
        long retries = 0;
        long interruptions = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT status, count(*), coalesce(sum(greatest(attempts - 1, 0)), 0), "
                + "coalesce(sum(interruptions), 0) FROM items WHERE job_pk = ? GROUP BY status")) {
            try (ResultSet rs = bind(ps, pk).executeQuery()) {
                while (rs.next()) {
                    long n = rs.getLong(2);
                    byStatus[ItemStatus.valueOf(rs.getString(1)).ordinal()] = n;
                    total += n;
                    retries += rs.getLong(3);
                    interruptions += rs.getLong(4);
                }
            }
        }
        return new JobCounts(total, byStatus[ItemStatus.PENDING.ordinal()], byStatus[ItemStatus.RUNNING.ordinal()],
                byStatus[ItemStatus.RETRY_WAIT.ordinal()], byStatus[ItemStatus.SUCCEEDED.ordinal()],
                byStatus[ItemStatus.FAILED.ordinal()], byStatus[ItemStatus.SKIPPED.ordinal()], retries, interruptions,
                byStatus[ItemStatus.COMPENSATED.ordinal()]);
    }

    public static Optional<Item> find(Connection c, UUID jobId, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PgRows.ITEM_COLUMNS + " FROM items i JOIN jobs j ON j.pk = i.job_pk "
                + "WHERE j.id = ? AND i.seq = ?")) {
            List<Item> found = read(jobId, bind(ps, jobId, seq));
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        }
    }

    public static List<Item> page(Connection c, UUID jobId, ItemQuery query) throws SQLException {
        long pk = PgJobs.pk(c, jobId);
        List<String> statuses = query.statuses().stream().map(Enum::name).sorted().toList();
        String filter = statuses.isEmpty() ? "" : " AND i.status = ANY (?)";
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PgRows.ITEM_COLUMNS + " FROM items i "
                + "WHERE i.job_pk = ? AND i.seq > ?" + filter + " ORDER BY i.seq LIMIT ?")) {
            int p = 1;
            ps.setLong(p++, pk);
            ps.setLong(p++, query.afterSeq());
            if (!statuses.isEmpty()) {
                ps.setArray(p++, c.createArrayOf("text", statuses.toArray()));
            }
            ps.setInt(p, query.limit());
            return read(jobId, ps);
        }
    }

    public static List<Attempt> attempts(Connection c, UUID jobId, long seq) throws SQLException {
        long pk = PgJobs.pk(c, jobId);
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PgRows.ATTEMPT_COLUMNS
                + " FROM attempts WHERE job_pk = ? AND seq = ? ORDER BY number")) {
            List<Attempt> attempts = new ArrayList<>();
            try (ResultSet rs = bind(ps, pk, seq).executeQuery()) {
                while (rs.next()) {
                    attempts.add(PgRows.attempt(jobId, seq, rs));
                }
            }
            return attempts;
        }
    }

    private static List<Item> read(UUID jobId, PreparedStatement query) throws SQLException {
        List<Item> items = new ArrayList<>();
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                items.add(PgRows.item(jobId, rs));
            }
        }
        return items;
    }
}
