package dev.bulwark.jdbc.postgres;

import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.jdbc.internal.ItemClaims;
import dev.bulwark.jdbc.internal.Rows;
import dev.bulwark.jdbc.internal.Statements;
import dev.bulwark.ledger.ScopeFilter;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Claims on PostgreSQL. Each of the two candidate lists (PENDING items, and RETRY_WAIT items due by
 * now) comes from its own partial index, in sequence order, and skips rows that another
 * transaction has locked (another worker claiming them right now): claimers never wait for each
 * other and never get the same item. The lowest of both lists become RUNNING with a new fence from
 * the sequence {@code item_fences}.
 */
final class PostgresClaims implements ItemClaims {
    /** The breaker scope of a row, as {@link Item#scopeOf}: items without one are in the job's scope. */
    private static final String SCOPE = "coalesce(nullif(scope, ''), '" + Item.JOB_SCOPE + "')";
    /** Parameters: job pk, [scope], limit, now, [scope], limit, limit, now. */
    private static final String CLAIM_DUE = claimDue("");
    /** Claims leaving out the scopes of an array parameter. */
    private static final String CLAIM_DUE_SKIP = claimDue(" AND " + SCOPE + " <> ALL (?::text[])");
    /** Claims of the one scope of a parameter. */
    private static final String CLAIM_DUE_ONLY = claimDue(" AND " + SCOPE + " = ?");
    private static final String SET_RUNNING = "UPDATE items i SET status = 'RUNNING', last_attempt = i.last_attempt + 1, "
            + "fence = nextval('item_fences'), next_attempt_at = NULL, started_at = ?::timestamptz, finished_at = NULL ";
    /**
     * Ordered jobs: the lowest item without a final outcome, locked. No SKIP LOCKED here: an item
     * locked by another claimer or by a completion is waited for and then looked at again, so the
     * next item is never taken while a lower one is still open.
     */
    private static final String LOWEST_UNFINISHED = "SELECT seq, status, next_attempt_at <= ?::timestamptz, scope FROM items "
            + "WHERE job_pk = ? AND status IN ('PENDING', 'RUNNING', 'RETRY_WAIT') ORDER BY seq LIMIT 1 FOR NO KEY UPDATE";
    /** Claims of a job ordered by scope; parameters: job pk (4 times), now, [scope], limit, now, job pk. */
    private static final String CLAIM_HEADS = claimHeads("");
    private static final String CLAIM_HEADS_SKIP = claimHeads(" AND " + SCOPE + " <> ALL (?::text[])");
    private static final String CLAIM_HEADS_ONLY = claimHeads(" AND " + SCOPE + " = ?");
    private static final String CLAIM_ONE = SET_RUNNING + "WHERE i.job_pk = ? AND i.seq = ? RETURNING " + Rows.ITEM_COLUMNS;

    private static String claimDue(String scopeCondition) {
        return "WITH pending AS (SELECT seq FROM items WHERE job_pk = ? AND status = 'PENDING'" + scopeCondition
                + " ORDER BY seq LIMIT ? FOR NO KEY UPDATE SKIP LOCKED), "
                + "due AS (SELECT seq FROM items WHERE job_pk = ? AND status = 'RETRY_WAIT' "
                + "AND next_attempt_at <= ?::timestamptz" + scopeCondition + " ORDER BY seq LIMIT ? FOR NO KEY UPDATE SKIP LOCKED), "
                + "picked AS (SELECT seq FROM pending UNION ALL SELECT seq FROM due ORDER BY seq LIMIT ?) "
                + SET_RUNNING + "FROM picked WHERE i.job_pk = ? AND i.seq = picked.seq RETURNING " + Rows.ITEM_COLUMNS;
    }

    /** The open items of an order scope (the condition of their partial index; binds the job's pk). */
    private static final String OPEN_IN_ORDER = "FROM items WHERE job_pk = ? AND order_key IS NOT NULL "
            + "AND status IN ('PENDING', 'RUNNING', 'RETRY_WAIT')";

    /**
     * Ordered by scope: the head of each order scope (its lowest item without a final outcome), where
     * that head is due, lowest first. The scopes with open items are found by skipping through the
     * partial index of open items (one index search per scope: a claim costs as much as there are
     * scopes, not open items). A head another claimer holds locked is skipped; the next item of its
     * scope is no head while that one is open, so it is never taken instead.
     */
    private static String claimHeads(String scopeCondition) {
        return "WITH RECURSIVE scopes(k) AS (SELECT (SELECT order_key " + OPEN_IN_ORDER + " ORDER BY order_key LIMIT 1) "
                + "UNION ALL SELECT (SELECT order_key " + OPEN_IN_ORDER + " AND order_key > k ORDER BY order_key LIMIT 1) "
                + "FROM scopes WHERE k IS NOT NULL), "
                + "heads AS (SELECT (SELECT seq " + OPEN_IN_ORDER + " AND order_key = k ORDER BY seq LIMIT 1) AS seq "
                + "FROM scopes WHERE k IS NOT NULL), "
                + "picked AS (SELECT i.seq FROM items i JOIN heads h ON i.seq = h.seq WHERE i.job_pk = ? "
                + "AND (i.status = 'PENDING' OR (i.status = 'RETRY_WAIT' AND i.next_attempt_at <= ?::timestamptz))"
                + scopeCondition + " ORDER BY i.seq LIMIT ? FOR NO KEY UPDATE OF i SKIP LOCKED) "
                + SET_RUNNING + "FROM picked WHERE i.job_pk = ? AND i.seq = picked.seq RETURNING " + Rows.ITEM_COLUMNS;
    }

    @Override
    public List<Item> claim(Statements sql, Rows rows, long pk, UUID jobId, Instant now, int limit, boolean ordered,
                            boolean byScope, ScopeFilter scopes) throws SQLException {
        if (ordered) {
            return claimOrdered(sql, rows, pk, jobId, now, scopes);
        }
        List<Item> claimed;
        if (byScope) {
            if (scopes.isAll()) {
                claimed = read(rows, jobId, rows.bind(sql.get(CLAIM_HEADS), pk, pk, pk, pk, now, limit, now, pk));
            } else {
                boolean only = scopes.only() != null;
                Object scope = only ? scopes.only() : sql.connection().createArrayOf("text", scopes.skip().toArray());
                claimed = read(rows, jobId, rows.bind(sql.get(only ? CLAIM_HEADS_ONLY : CLAIM_HEADS_SKIP),
                        pk, pk, pk, pk, now, scope, limit, now, pk));
            }
        } else if (scopes.isAll()) {
            claimed = read(rows, jobId, rows.bind(sql.get(CLAIM_DUE), pk, limit, pk, now, limit, limit, now, pk));
        } else {
            boolean only = scopes.only() != null;
            Object scope = only ? scopes.only() : sql.connection().createArrayOf("text", scopes.skip().toArray());
            claimed = read(rows, jobId, rows.bind(sql.get(only ? CLAIM_DUE_ONLY : CLAIM_DUE_SKIP),
                    pk, scope, limit, pk, now, scope, limit, limit, now, pk));
        }
        // RETURNING promises no order.
        claimed.sort(Comparator.comparingLong(Item::seq));
        return claimed;
    }

    private static List<Item> claimOrdered(Statements sql, Rows rows, long pk, UUID jobId, Instant now, ScopeFilter scopes)
            throws SQLException {
        long seq;
        try (ResultSet rs = rows.bind(sql.get(LOWEST_UNFINISHED), now, pk).executeQuery()) {
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
        return read(rows, jobId, rows.bind(sql.get(CLAIM_ONE), now, pk, seq));
    }

    private static List<Item> read(Rows rows, UUID jobId, PreparedStatement query) throws SQLException {
        List<Item> items = new ArrayList<>();
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                items.add(rows.item(jobId, rs));
            }
        }
        return items;
    }
}
