package dev.bulwark.jdbc.internal;

import dev.bulwark.Item;
import dev.bulwark.ledger.ScopeFilter;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * How a database claims items: the one part of the items' SQL that is truly its own. Both pick the
 * lowest due items (PENDING, and RETRY_WAIT due by {@code now}) from their partial indexes, move
 * them to RUNNING with a fresh fence, and hand them back in sequence order; for ordered jobs only
 * the lowest item without a final outcome, and only when it is not running; for jobs ordered by
 * scope ({@code --ordered-by}) only the lowest item without a final outcome of each order scope
 * ({@code order_key}), and only when it is not running. SQLite numbers fences
 * from a base kept in the ledger (one writer); PostgreSQL takes them from a sequence and skips rows
 * that other claimers hold locked, so concurrent claimers never wait for each other.
 */
@FunctionalInterface
public interface ItemClaims {
    /**
     * Claims up to {@code limit} (at least 1) due items of the job with pk {@code jobPk};
     * {@code byScope}: the job is ordered by scope.
     */
    List<Item> claim(Statements sql, Rows rows, long jobPk, UUID jobId, Instant now, int limit, boolean ordered,
                     boolean byScope, ScopeFilter scopes) throws SQLException;
}
