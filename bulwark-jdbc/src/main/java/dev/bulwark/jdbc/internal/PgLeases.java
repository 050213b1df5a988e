package dev.bulwark.jdbc.internal;

import static dev.bulwark.jdbc.internal.PgRows.bind;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.ledger.Completion;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Claims with leases for distributed workers, in the PostgreSQL ledger: claiming across jobs in
 * priority order under each job's limit, renewing leases, and reclaiming expired ones. Every time
 * here is the database's ({@code now()}), never a worker's. Stateless.
 */
public final class PgLeases {
    /** A job waiting this long gains one priority step, so that no job starves. */
    public static final Duration AGEING_STEP = Duration.ofMinutes(1);
    /** Jobs looked at by one claim. */
    private static final int JOBS_PER_CLAIM = 16;
    private static final int ITEM_COLUMN_COUNT = PgRows.ITEM_COLUMNS.split(",").length;

    /** The settings of a claim's or a renewal's transaction (see {@link #SET_UP}); binds the statement timeout, as text. */
    private static final String SETTINGS = "set_config('synchronous_commit', 'off', true) || set_config('statement_timeout', ?, true)";
    /**
     * The candidate jobs, best first. Its second column sets the claim's transaction up (as
     * {@link #SET_UP} does) in the same round trip: an uncorrelated subquery, evaluated once,
     * before the first row is returned; when no job is a candidate, nothing else runs in the
     * transaction, so nothing needs the settings.
     */
    private static final String CANDIDATE_JOBS = "SELECT pk, (SELECT " + SETTINGS + ") FROM jobs "
            + "WHERE dispatch = 'workers' AND status IN ('QUEUED', 'RUNNING') "
            + "ORDER BY priority - floor(extract(epoch FROM now() - created_at) / ?), created_at, pk LIMIT " + JOBS_PER_CLAIM;
    /**
     * The job's row, locked until the claim commits: claims of one job take turns across workers,
     * so that its running items never exceed its limit. (NO KEY UPDATE does not block the
     * foreign-key checks of new items and attempts.) Its last column: whether any of the job's
     * breakers is not closed, as this statement's snapshot saw it; a breaker opening meanwhile is
     * seen by the next claim, as one opening just after a look of its own would be.
     */
    private static final String LOCK_JOB = "SELECT id, status, max_running, coalesce((config::jsonb ->> 'ordered')::boolean, false), "
            + "coalesce((config::jsonb #>> '{breaker,shared}')::boolean, false), config::jsonb #>> '{breaker,onOpen}', "
            + PgBreakers.TROUBLED + " FROM jobs WHERE pk = ? FOR NO KEY UPDATE";
    /**
     * An ordered job's claim takes only its lowest item without a final outcome, and only if that
     * one is due and not RUNNING already: item n+1 starts after item n is final, whichever worker
     * ran it. (Bound to the job's pk, so it is computed once per statement.)
     */
    private static final String LOWEST_OPEN = "items.seq = (SELECT min(o.seq) FROM items o WHERE o.job_pk = ? "
            + "AND o.status IN ('PENDING', 'RUNNING', 'RETRY_WAIT'))";
    private static final String CLAIM_ORDERED = claimSql(" AND " + LOWEST_OPEN);
    private static final String CLAIM_CLOSED_SCOPES_ORDERED = claimSql(" AND " + PgBreakers.SCOPE_NOT_HELD + " AND " + LOWEST_OPEN);
    private static final String CLAIM_SCOPE_ORDERED = claimSql(" AND " + PgBreakers.IN_SCOPE + " AND " + LOWEST_OPEN);
    private static final String CLAIM_CLOSED_NAMED_ORDERED = claimSql(" AND " + PgNamedBreakers.SCOPE_NOT_HELD + " AND " + LOWEST_OPEN);
    /**
     * The job's running items, counted in a statement of its own once the job's row is locked: in
     * READ COMMITTED a new statement sees what the claimer before us committed, while a count in
     * the locking statement would see the snapshot taken before it waited for the lock, and miss
     * the items that claimer just took.
     */
    private static final String COUNT_RUNNING = "SELECT count(*) FROM items WHERE job_pk = ? AND status = 'RUNNING'";
    /**
     * Order per scope ({@code --ordered-by}): an item with an order scope is claimable only while no
     * earlier item of its scope lacks a final outcome, whichever worker runs that one. Items without
     * one (every other job) pass at once. No parameter.
     */
    private static final String HEAD_OF_ORDER_SCOPE = " AND (items.order_key IS NULL OR NOT EXISTS (SELECT 1 FROM items o "
            + "WHERE o.job_pk = items.job_pk AND o.order_key = items.order_key AND o.seq < items.seq "
            + "AND o.status IN ('PENDING', 'RUNNING', 'RETRY_WAIT')))";
    /** Like the PostgreSQL claim of items (PostgresClaims), plus the lease: owner and expiry on the database clock. */
    private static final String CLAIM = claimSql(HEAD_OF_ORDER_SCOPE);
    /** The claim of a job with breakers that are not closed: their scopes' items wait. */
    private static final String CLAIM_CLOSED_SCOPES = claimSql(" AND " + PgBreakers.SCOPE_NOT_HELD + HEAD_OF_ORDER_SCOPE);
    /** The claim of a job whose scopes' breakers are the ledger's named ones, some not closed: their scopes' items wait. */
    private static final String CLAIM_CLOSED_NAMED = claimSql(" AND " + PgNamedBreakers.SCOPE_NOT_HELD + HEAD_OF_ORDER_SCOPE);
    /** The claim of a breaker's trial calls: items of one scope only. */
    private static final String CLAIM_SCOPE = claimSql(" AND " + PgBreakers.IN_SCOPE + HEAD_OF_ORDER_SCOPE);
    private static final String RENEW = "UPDATE items i SET lease_until = now() + ? * interval '1 millisecond' "
            + "FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS h (job_pk, seq, fence) "
            + "WHERE i.job_pk = h.job_pk AND i.seq = h.seq AND i.fence = h.fence AND i.status = 'RUNNING' RETURNING i.fence";
    /** Expired leases of worker jobs, oldest first, locked (another reclaimer skips them). */
    private static final String EXPIRED = "SELECT " + PgRows.ITEM_COLUMNS + ", j.id, i.job_pk, i.stalls, i.lease_owner, "
            + "i.lease_until, now(), j.status IN ('QUEUED', 'RUNNING', 'PAUSED') FROM jobs j JOIN items i ON i.job_pk = j.pk "
            + "WHERE j.dispatch = 'workers' AND i.status = 'RUNNING' AND i.lease_until < now() "
            + "ORDER BY i.lease_until LIMIT ? FOR NO KEY UPDATE OF i SKIP LOCKED";

    private PgLeases() {
    }

    /**
     * The claim statement, its due items narrowed by {@code condition} (on {@code items}; may bind
     * parameters). It takes at most the number asked for, and at most the job's limit less its
     * running items, counted in this statement ({@code free}): the job's row is locked by then (see
     * {@link #COUNT_RUNNING}), so this statement's snapshot sees the claims committed before.
     */
    private static String claimSql(String condition) {
        return "WITH free AS (SELECT greatest(0, least(?, ? - count(*))) AS n FROM items WHERE job_pk = ? AND status = 'RUNNING'), "
                + "pending AS (SELECT seq FROM items WHERE job_pk = ? AND status = 'PENDING'" + condition + " "
                + "ORDER BY seq LIMIT (SELECT n FROM free) FOR NO KEY UPDATE SKIP LOCKED), "
                + "due AS (SELECT seq FROM items WHERE job_pk = ? AND status = 'RETRY_WAIT' AND next_attempt_at <= now()" + condition
                + " ORDER BY seq LIMIT (SELECT n FROM free) FOR NO KEY UPDATE SKIP LOCKED), "
                + "picked AS (SELECT seq FROM pending UNION ALL SELECT seq FROM due ORDER BY seq LIMIT (SELECT n FROM free)) "
                + "UPDATE items i SET status = 'RUNNING', last_attempt = i.last_attempt + 1, fence = nextval('item_fences'), "
                + "next_attempt_at = NULL, started_at = now(), finished_at = NULL, lease_owner = ?, "
                + "lease_until = now() + ? * interval '1 millisecond' "
                + "FROM picked WHERE i.job_pk = ? AND i.seq = picked.seq RETURNING " + PgRows.ITEM_COLUMNS;
    }

    /** One claimed item and the job it belongs to; {@code trial}: a trial call of its scope's named breaker. */
    public record Claimed(long jobPk, Item item, boolean trial) {
        public Claimed(long jobPk, Item item) {
            this(jobPk, item, false);
        }
    }

    /**
     * Claims up to {@code limit} due items across the worker jobs, best job first (lowest priority
     * number, aged by {@link #AGEING_STEP}), each job at most up to its limit of running items
     * across all workers. A QUEUED job becomes RUNNING with its first claim.
     */
    public static List<Claimed> claim(Connection c, String owner, int limit, Duration lease) throws SQLException {
        List<Long> jobs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(CANDIDATE_JOBS)) {
            try (ResultSet rs = bind(ps, Long.toString(statementTimeout(lease).toMillis()), AGEING_STEP.toSeconds()).executeQuery()) {
                while (rs.next()) {
                    jobs.add(rs.getLong(1));
                }
            }
        }
        List<Claimed> claimed = new ArrayList<>();
        for (long pk : jobs) {
            int wanted = limit - claimed.size();
            if (wanted <= 0) {
                break;
            }
            claimed.addAll(claimFromJob(c, pk, owner, wanted, lease));
        }
        return claimed;
    }

    private static List<Claimed> claimFromJob(Connection c, long pk, String owner, int wanted, Duration lease) throws SQLException {
        UUID jobId;
        int limit;
        boolean ordered;
        boolean named;
        boolean failMode;
        boolean queued;
        boolean anyTroubled;
        try (PreparedStatement ps = c.prepareStatement(LOCK_JOB)) {
            try (ResultSet rs = bind(ps, pk, pk).executeQuery()) {
                if (!rs.next()) {
                    return List.of(); // pruned meanwhile
                }
                jobId = rs.getObject(1, UUID.class);
                String status = rs.getString(2);
                if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                    return List.of(); // paused, cancelled or finished since the candidates were read
                }
                queued = status.equals("QUEUED");
                limit = rs.getInt(3);
                ordered = rs.getBoolean(4);
                named = rs.getBoolean(5);
                failMode = "FAIL".equals(rs.getString(6));
                anyTroubled = rs.getBoolean(7);
            }
        }
        JobClaim job = new JobClaim(c, pk, jobId, limit, ordered, owner, lease.toMillis());
        List<Claimed> claimed = new ArrayList<>();
        if (!named && !anyTroubled) {
            // The common case, in one statement: the claim counts the job's running items itself.
            claimed.addAll(job.by(CLAIM_ORDERED, CLAIM, wanted));
        } else {
            claimWithBreakers(c, job, named, failMode, wanted, claimed);
        }
        if (queued && !claimed.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET status = 'RUNNING', started_at = coalesce(started_at, now()) "
                    + "WHERE pk = ? AND status = 'QUEUED'")) {
                bind(ps, pk).executeUpdate();
            }
        }
        return claimed;
    }

    /** The claim of a job with breakers (the ledger's named ones, or its own) that may not all be closed. */
    private static void claimWithBreakers(Connection c, JobClaim job, boolean named, boolean failMode, int wanted,
                                          List<Claimed> claimed) throws SQLException {
        long pk = job.pk();
        UUID jobId = job.jobId();
        boolean ordered = job.ordered();
        int free;
        try (PreparedStatement ps = c.prepareStatement(COUNT_RUNNING)) {
            try (ResultSet rs = bind(ps, pk).executeQuery()) {
                rs.next();
                free = job.limit() - rs.getInt(1);
            }
        }
        int n = Math.min(free, wanted);
        if (n <= 0) {
            return;
        }
        List<PgNamedBreakers.Troubled> troubled = named ? PgNamedBreakers.troubled(c, pk) : List.of();
        if (!troubled.isEmpty()) {
            // As below, with the ledger's named breakers: trial calls first, then the scopes whose breaker is closed.
            for (PgNamedBreakers.Troubled due : troubled) {
                int take = Math.min(due.available(), n - claimed.size());
                if (take > 0) {
                    List<Claimed> trials = job.ofScope(due.scope(), take);
                    PgNamedBreakers.tookTrials(c, jobId, due, trials.size());
                    trials.forEach(t -> claimed.add(new Claimed(t.jobPk(), t.item(), true)));
                } else if (failMode && due.rejects() != null) {
                    PgBreakers.failScope(c, pk, jobId, due.scope(), due.rejects());
                }
            }
            if (n > claimed.size() && !(ordered && !claimed.isEmpty())) {
                claimed.addAll(job.by(CLAIM_CLOSED_NAMED_ORDERED, CLAIM_CLOSED_NAMED, n - claimed.size()));
            }
        } else {
            // Trial calls first (one claim at a time holds the job's row, so no two take the same trial),
            // then the items of the scopes whose breaker is closed.
            for (PgBreakers.Due due : PgBreakers.dueTrials(c, pk)) {
                int take = Math.min(due.available(), n - claimed.size());
                if (take <= 0) {
                    break;
                }
                List<Claimed> trials = job.ofScope(due.scope(), take);
                if (!trials.isEmpty()) {
                    PgBreakers.tookTrials(c, pk, jobId, due, trials.stream().map(t -> t.item().fence()).toList());
                    claimed.addAll(trials);
                }
            }
            PgBreakers.failRejected(c, pk, jobId);
            if (n > claimed.size() && !(ordered && !claimed.isEmpty())) {
                claimed.addAll(job.by(CLAIM_CLOSED_SCOPES_ORDERED, CLAIM_CLOSED_SCOPES, n - claimed.size()));
            }
        }
    }

    /**
     * One job's claim: its locked row's pk and id, its limit of running items, whether it is
     * ordered, and the lease to give.
     */
    private record JobClaim(Connection c, long pk, UUID jobId, int limit, boolean ordered, String owner, long leaseMs) {
        /** Up to {@code take} due items of one scope (a breaker's trial calls). */
        List<Claimed> ofScope(String scope, int take) throws SQLException {
            return ordered ? claim(CLAIM_SCOPE_ORDERED, take, scope, pk) : claim(CLAIM_SCOPE, take, scope);
        }

        /** Up to {@code take} due items by the job's claim statement, {@code orderedSql} for an ordered job. */
        List<Claimed> by(String orderedSql, String sql, int take) throws SQLException {
            return ordered ? claim(orderedSql, take, pk) : claim(sql, take);
        }

        /** Runs a claim statement ({@link #claimSql}) whose condition binds {@code condition} (in each of its two uses). */
        private List<Claimed> claim(String sql, int take, Object... condition) throws SQLException {
            List<Object> params = new ArrayList<>(List.of(take, limit, pk, pk));
            params.addAll(List.of(condition));
            params.add(pk);
            params.addAll(List.of(condition));
            params.addAll(List.of(owner, leaseMs, pk));
            return claimItems(c, sql, pk, jobId, params.toArray());
        }
    }

    private static List<Claimed> claimItems(Connection c, String sql, long pk, UUID jobId, Object... params) throws SQLException {
        List<Claimed> claimed = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            try (ResultSet rs = bind(ps, params).executeQuery()) {
                while (rs.next()) {
                    claimed.add(new Claimed(pk, PgRows.item(jobId, rs)));
                }
            }
        }
        return claimed;
    }

    /** Extends the leases still held under these claims; returns the fences of those (the others were lost). */
    public static Set<Long> renew(Connection c, List<Claimed> held, Duration lease) throws SQLException {
        setUp(c, lease);
        Long[] pks = new Long[held.size()];
        Long[] seqs = new Long[held.size()];
        Long[] fences = new Long[held.size()];
        for (int i = 0; i < held.size(); i++) {
            pks[i] = held.get(i).jobPk();
            seqs[i] = held.get(i).item().seq();
            fences[i] = held.get(i).item().fence();
        }
        Set<Long> renewed = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(RENEW)) {
            ps.setLong(1, lease.toMillis());
            ps.setArray(2, c.createArrayOf("bigint", pks));
            ps.setArray(3, c.createArrayOf("bigint", seqs));
            ps.setArray(4, c.createArrayOf("bigint", fences));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    renewed.add(rs.getLong(1));
                }
            }
        }
        return renewed;
    }

    /**
     * The settings of a claim's and a renewal's transaction (local to it): its statement timeout
     * ({@link #statementTimeout}), and its commit does not wait for the disk. Claims and lease
     * renewals commit without waiting for their WAL to reach the disk: they hold
     * the job's row lock only until the commit, not until a disk flush. Losing one in a database
     * crash loses nothing: the item is found PENDING (or its lease shorter) again, and the outcome
     * of an attempt made under a lost claim is rejected, as its item is not RUNNING under that
     * claim's fence. Outcomes always wait for the disk (the server's synchronous_commit).
     */
    private static final String SET_UP = "SELECT " + SETTINGS;

    /** Sets a renewal's transaction up, in one round trip: {@link #SET_UP}. */
    private static void setUp(Connection c, Duration lease) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_UP)) {
            bind(ps, Long.toString(statementTimeout(lease).toMillis())).executeQuery().close();
        }
    }

    /** The shortest statement timeout of claims and renewals (the heartbeat period of the shortest lease a worker takes). */
    private static final Duration MIN_STATEMENT_TIMEOUT = Duration.ofMillis(100);

    /**
     * The longest a claim's or a renewal's statement may run: a quarter of the lease, below the
     * heartbeat period (a third), so that a renewal stuck behind a lock gives up before the next
     * heartbeat is due; at least {@link #MIN_STATEMENT_TIMEOUT}.
     */
    public static Duration statementTimeout(Duration lease) {
        Duration quarter = lease.dividedBy(4);
        return quarter.compareTo(MIN_STATEMENT_TIMEOUT) < 0 ? MIN_STATEMENT_TIMEOUT : quarter;
    }

    /** What reclaiming did: leases taken back (the item runs again) and items failed as stalled. */
    public record Reclaimed(int interrupted, int stalled, Set<Long> jobPks) {
    }

    /**
     * Takes back up to {@code limit} expired leases: each cut-off attempt is recorded INTERRUPTED
     * (category {@code lease-expired}) and the item becomes PENDING (SKIPPED if its job stopped
     * meanwhile), unless its lease has now
     * expired more than {@code maxStalls} times: then the attempt is a failure with category
     * {@code stalled} and the item is FAILED. The old claim's fence is stale from then on.
     */
    public static Reclaimed reclaim(Connection c, String reclaimer, int maxStalls, int limit) throws SQLException {
        List<Completion> completions = new ArrayList<>();
        List<Long> pks = new ArrayList<>();
        List<Long> seqs = new ArrayList<>();
        Set<Long> jobs = new HashSet<>();
        int stalled = 0;
        try (PreparedStatement ps = c.prepareStatement(EXPIRED)) {
            try (ResultSet rs = bind(ps, limit).executeQuery()) {
                while (rs.next()) {
                    int extra = ITEM_COLUMN_COUNT;
                    UUID jobId = rs.getObject(extra + 1, UUID.class);
                    long pk = rs.getLong(extra + 2);
                    int stalls = rs.getInt(extra + 3) + 1;
                    String owner = rs.getString(extra + 4);
                    Instant leaseUntil = PgRows.instant(rs, extra + 5);
                    Instant now = PgRows.instant(rs, extra + 6);
                    boolean jobGoesOn = rs.getBoolean(extra + 7);
                    Item item = PgRows.item(jobId, rs);
                    boolean failed = stalls > maxStalls;
                    stalled += failed ? 1 : 0;
                    completions.add(stallCompletion(item, owner, reclaimer, leaseUntil, now, stalls, failed, jobGoesOn));
                    pks.add(pk);
                    seqs.add(item.seq());
                    jobs.add(pk);
                }
            }
        }
        if (completions.isEmpty()) {
            return new Reclaimed(0, 0, Set.of());
        }
        for (RuntimeException rejected : PgCompletions.writeAll(c, completions)) {
            if (rejected != null) {
                throw rejected; // cannot happen: the rows are locked by this transaction
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE items i SET stalls = i.stalls + 1, lease_owner = NULL, "
                + "lease_until = NULL FROM unnest(?::bigint[], ?::bigint[]) AS r (job_pk, seq) "
                + "WHERE i.job_pk = r.job_pk AND i.seq = r.seq")) {
            ps.setArray(1, c.createArrayOf("bigint", pks.toArray()));
            ps.setArray(2, c.createArrayOf("bigint", seqs.toArray()));
            ps.executeUpdate();
        }
        return new Reclaimed(completions.size() - stalled, stalled, jobs);
    }

    private static Completion stallCompletion(Item item, String owner, String reclaimer, Instant leaseUntil, Instant now,
                                              int stalls, boolean failed, boolean jobGoesOn) {
        Instant started = item.startedAt() == null ? now : item.startedAt();
        long ms = Math.max(0, now.toEpochMilli() - started.toEpochMilli());
        String why = "the lease of worker " + owner + " expired at " + leaseUntil + " (stall " + stalls + "); reclaimed by "
                + reclaimer;
        Attempt a = failed
                ? new Attempt(item.jobId(), item.seq(), item.lastAttempt(), started, now, AttemptOutcome.FAILED,
                        ErrorClass.TRANSIENT, "stalled", why + "; the item stalled more often than allowed", null, ms, owner,
                        item.logPath())
                : new Attempt(item.jobId(), item.seq(), item.lastAttempt(), started, now, AttemptOutcome.INTERRUPTED,
                        null, "lease-expired", why, null, ms, owner, item.logPath());
        // The item of a job that stopped meanwhile (cancelled, halted) does not run again: it is SKIPPED.
        return Completion.of(a, item.fence(), failed ? ItemStatus.FAILED : jobGoesOn ? ItemStatus.PENDING : ItemStatus.SKIPPED);
    }
}
