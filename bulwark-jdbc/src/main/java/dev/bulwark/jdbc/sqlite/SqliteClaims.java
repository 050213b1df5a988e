package dev.bulwark.jdbc.sqlite;

import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.util.Json;
import dev.bulwark.jdbc.internal.ItemClaims;
import dev.bulwark.jdbc.internal.ItemStore;
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
 * Claims on SQLite, with one UPDATE … RETURNING: it picks the items, moves them to RUNNING and hands
 * back their rows in a single pass. Fences are the claim's base (above every earlier fence) plus
 * each item's sequence number, unique without numbering the items one by one; the stored last
 * fence moves past the highest one handed out. It is read in the claim's own transaction rather
 * than kept in memory, so even a second writer could never repeat a fence.
 */
final class SqliteClaims implements ItemClaims {
    /** Parameters: 1 fence base, 2 now, 3 (the rest of the condition), 4 job. */
    private static final String CLAIM = "UPDATE items SET status = 'RUNNING', last_attempt = last_attempt + 1, fence = ?1 + seq, "
            + "next_attempt_at = NULL, started_at = ?2, finished_at = NULL WHERE job_pk = ?4 AND ";
    private static final String RETURNING = " RETURNING " + Rows.CLAIMED_COLUMNS;
    /** The breaker scope of a row, as {@link Item#scopeOf}: items without one are in the job's scope. */
    private static final String SCOPE = "coalesce(nullif(scope, ''), '" + Item.JOB_SCOPE + "')";
    /** Parameter 5: a JSON array of the scopes left out. */
    private static final String SKIP_SCOPES = " AND " + SCOPE + " NOT IN (SELECT value FROM json_each(?5))";
    /** Parameter 5: the one scope taken. */
    private static final String ONLY_SCOPE = " AND " + SCOPE + " = ?5";
    /**
     * The lowest due sequence numbers: PENDING ones and RETRY_WAIT ones due by now, each from its
     * partial index, merged. INDEXED BY, since without statistics SQLite would rather walk the
     * primary key through the whole job.
     */
    private static final String CLAIM_DUE = claimDue("");
    private static final String CLAIM_DUE_SKIP = claimDue(SKIP_SCOPES);
    private static final String CLAIM_DUE_ONLY = claimDue(ONLY_SCOPE);
    private static final String CLAIM_HEADS = claimHeads("");
    private static final String CLAIM_HEADS_SKIP = claimHeads(SKIP_SCOPES);
    private static final String CLAIM_HEADS_ONLY = claimHeads(ONLY_SCOPE);
    private static final List<ItemStatus> UNFINISHED = List.of(ItemStatus.PENDING, ItemStatus.RUNNING, ItemStatus.RETRY_WAIT);

    private static String claimDue(String scopeCondition) {
        return CLAIM + "seq IN (SELECT seq FROM ("
                + "SELECT seq FROM items INDEXED BY items_pending WHERE job_pk = ?4 AND status = 'PENDING'" + scopeCondition
                + " ORDER BY seq LIMIT ?3) UNION ALL SELECT seq FROM (SELECT seq FROM items INDEXED BY items_retry "
                + "WHERE job_pk = ?4 AND status = 'RETRY_WAIT' AND next_attempt_at <= ?2" + scopeCondition
                + " ORDER BY seq LIMIT ?3) ORDER BY seq LIMIT ?3)" + RETURNING;
    }

    /** The open items of an order scope, from their partial index (the condition must repeat the index's). */
    private static final String OPEN_IN_ORDER = "FROM items INDEXED BY items_order_open WHERE job_pk = ?4 AND order_key IS NOT NULL "
            + "AND status IN ('PENDING', 'RUNNING', 'RETRY_WAIT')";

    /**
     * Ordered by scope: the head of each order scope (its lowest item without a final outcome), where
     * that head is due, lowest first. The scopes with open items are found by skipping through the
     * partial index of open items, one index search per scope, so a claim costs as much as there are
     * scopes, not open items.
     */
    private static String claimHeads(String scopeCondition) {
        return CLAIM + "seq IN (WITH RECURSIVE scopes(k) AS ("
                + "SELECT (SELECT order_key " + OPEN_IN_ORDER + " ORDER BY order_key LIMIT 1) "
                + "UNION ALL SELECT (SELECT order_key " + OPEN_IN_ORDER + " AND order_key > k ORDER BY order_key LIMIT 1) "
                + "FROM scopes WHERE k IS NOT NULL), "
                + "heads(seq) AS (SELECT (SELECT seq " + OPEN_IN_ORDER + " AND order_key = k ORDER BY seq LIMIT 1) "
                + "FROM scopes WHERE k IS NOT NULL) "
                + "SELECT i.seq FROM heads h JOIN items i ON i.job_pk = ?4 AND i.seq = h.seq "
                + "WHERE (i.status = 'PENDING' OR (i.status = 'RETRY_WAIT' AND i.next_attempt_at <= ?2))" + scopeCondition
                + " ORDER BY i.seq LIMIT ?3)" + RETURNING;
    }

    @Override
    public List<Item> claim(Statements sql, Rows rows, long pk, UUID jobId, Instant now, int limit, boolean ordered,
                            boolean byScope, ScopeFilter scopes) throws SQLException {
        long base = lastFence(sql, rows);
        String scopeCondition = scopes.isAll() ? "" : scopes.only() != null ? ONLY_SCOPE : SKIP_SCOPES;
        Object scopeParam = scopes.only() != null ? scopes.only() : Json.write(scopes.skip());
        List<Item> claimed;
        if (ordered) {
            long lowest = lowestUnfinishedIfNotRunning(sql, rows, pk);
            String one = CLAIM + "seq = ?3 AND (status = 'PENDING' OR (status = 'RETRY_WAIT' AND next_attempt_at <= ?2))"
                    + scopeCondition + RETURNING;
            claimed = lowest < 0 ? List.of() : scopes.isAll() ? claimed(rows, jobId, rows.bind(sql.get(one), base, now, lowest, pk))
                    : claimed(rows, jobId, rows.bind(sql.get(one), base, now, lowest, pk, scopeParam));
        } else if (byScope) {
            String heads = scopes.isAll() ? CLAIM_HEADS : scopes.only() != null ? CLAIM_HEADS_ONLY : CLAIM_HEADS_SKIP;
            claimed = scopes.isAll() ? claimed(rows, jobId, rows.bind(sql.get(heads), base, now, limit, pk))
                    : claimed(rows, jobId, rows.bind(sql.get(heads), base, now, limit, pk, scopeParam));
        } else if (scopes.isAll()) {
            claimed = claimed(rows, jobId, rows.bind(sql.get(CLAIM_DUE), base, now, limit, pk));
        } else {
            claimed = claimed(rows, jobId, rows.bind(sql.get(scopes.only() != null ? CLAIM_DUE_ONLY : CLAIM_DUE_SKIP),
                    base, now, limit, pk, scopeParam));
        }
        if (!claimed.isEmpty()) {
            long lastFence = base + claimed.get(claimed.size() - 1).seq();
            rows.bind(sql.get("UPDATE ledger_meta SET value = ? WHERE name = 'last_fence'"), lastFence).executeUpdate();
        }
        return claimed;
    }

    /**
     * For ordered jobs: the sequence number of the lowest item without a final outcome, or -1 if
     * there is none or it is running. One min() per status, each on its own partial index.
     */
    private static long lowestUnfinishedIfNotRunning(Statements sql, Rows rows, long jobPk) throws SQLException {
        long lowest = Long.MAX_VALUE;
        ItemStatus lowestStatus = null;
        for (ItemStatus status : UNFINISHED) {
            PreparedStatement min = sql.get("SELECT min(seq) FROM items INDEXED BY " + ItemStore.indexOf(status)
                    + " WHERE job_pk = ? AND status = '" + status.name() + "'");
            try (ResultSet rs = rows.bind(min, jobPk).executeQuery()) {
                long seq = rs.next() ? rs.getLong(1) : 0;
                if (!rs.wasNull() && seq < lowest) {
                    lowest = seq;
                    lowestStatus = status;
                }
            }
        }
        return lowestStatus == null || lowestStatus == ItemStatus.RUNNING ? -1 : lowest;
    }

    private static long lastFence(Statements sql, Rows rows) throws SQLException {
        try (ResultSet rs = rows.bind(sql.get("SELECT value FROM ledger_meta WHERE name = ?"), "last_fence").executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Runs a claim and returns the claimed items in sequence order (RETURNING promises no order). */
    private static List<Item> claimed(Rows rows, UUID jobId, PreparedStatement claim) throws SQLException {
        List<Item> items = new ArrayList<>();
        try (ResultSet rs = claim.executeQuery()) {
            while (rs.next()) {
                items.add(rows.claimed(jobId, rs));
            }
        }
        items.sort(Comparator.comparingLong(Item::seq));
        return items;
    }
}
