package dev.bulwark.jdbc.internal;

import static dev.bulwark.jdbc.internal.PgRows.bind;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.InvalidTransitionException;
import dev.bulwark.ItemStatus;
import dev.bulwark.NotFoundException;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.StaleFenceException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Records completions in the PostgreSQL ledger. Each completion is one statement: an UPDATE of the
 * item guarded by its claim (RUNNING under the completion's fence) and, only if that matched, the
 * INSERT of the attempt row. A stale completion therefore matches nothing and writes nothing,
 * whatever other process claimed the item meanwhile; the check and the write are one step, under
 * the row lock the UPDATE takes.
 */
public final class PgCompletions {
    static final String COMPLETE = "WITH done AS (UPDATE items SET status = ?, attempts = attempts + ?, "
            + "interruptions = interruptions + ?, next_attempt_at = ?::timestamptz, started_at = ?::timestamptz, "
            + "finished_at = ?::timestamptz, error_class = ?::text, category = ?::text, message = ?::text, exit_code = ?::integer, "
            + "duration_ms = ?::bigint, log_path = coalesce(?::text, log_path) "
            + "WHERE job_pk = (SELECT pk FROM jobs WHERE id = ?) AND seq = ? AND status = 'RUNNING' AND fence = ? "
            + "RETURNING job_pk, seq) "
            + "INSERT INTO attempts (job_pk, seq, " + PgRows.ATTEMPT_COLUMNS + ") SELECT job_pk, seq, ?::integer, "
            + "?::timestamptz, ?::timestamptz, ?::text, ?::text, ?::text, ?::text, ?::integer, ?::bigint, ?::text, ?::text FROM done";
    private static final String CLAIM_OF = "SELECT i.status, i.fence FROM items i JOIN jobs j ON j.pk = i.job_pk "
            + "WHERE j.id = ? AND i.seq = ?";
    /** Same job and item in the same order everywhere, so two transactions never wait for each other in a circle. */
    private static final Comparator<Completion> LOCK_ORDER = Comparator
            .comparing((Completion c) -> c.attempt().jobId())
            .thenComparingLong(c -> c.attempt().seq());

    private PgCompletions() {
    }

    /**
     * Records completions as one statement batch (one round trip). Returns, per completion, the
     * exception it is rejected with (nothing of it written), or null once written. Throws the
     * SQLException of a statement that failed; the transaction is then aborted, and the caller
     * starts it over with {@link #writeOneByOne}.
     */
    public static RuntimeException[] writeAll(Connection c, List<Completion> completions) throws SQLException {
        RuntimeException[] rejected = new RuntimeException[completions.size()];
        List<Integer> order = lockOrder(completions);
        List<Integer> tried = new ArrayList<>(completions.size());
        int[] written;
        try (PreparedStatement complete = c.prepareStatement(COMPLETE)) {
            for (int i : order) {
                Completion completion = completions.get(i);
                if (ItemStatus.RUNNING.canBecome(completion.next())) {
                    bindComplete(complete, completion).addBatch();
                    tried.add(i);
                }
            }
            written = tried.isEmpty() ? new int[0] : complete.executeBatch();
        }
        boolean[] done = new boolean[completions.size()];
        for (int k = 0; k < tried.size(); k++) {
            done[tried.get(k)] = written[k] == 1;
        }
        // Checked after the batch, so a completion sees those queued before it, as one by one would.
        for (int i = 0; i < completions.size(); i++) {
            if (!done[i]) {
                rejected[i] = rejection(c, completions.get(i));
            }
        }
        return rejected;
    }

    /**
     * Records completions one at a time, each under a savepoint, so that one the database refuses
     * (a reused attempt number, a value out of range) fails alone. Errors other than refused data
     * (a lost connection) are thrown: they end the whole group.
     */
    public static RuntimeException[] writeOneByOne(Connection c, List<Completion> completions) throws SQLException {
        RuntimeException[] rejected = new RuntimeException[completions.size()];
        try (PreparedStatement complete = c.prepareStatement(COMPLETE)) {
            for (int i : lockOrder(completions)) {
                Completion completion = completions.get(i);
                if (!ItemStatus.RUNNING.canBecome(completion.next())) {
                    rejected[i] = rejection(c, completion);
                    continue;
                }
                Savepoint savepoint = c.setSavepoint();
                try {
                    if (bindComplete(complete, completion).executeUpdate() != 1) {
                        rejected[i] = rejection(c, completion);
                    }
                    c.releaseSavepoint(savepoint);
                } catch (SQLException e) {
                    if (!PgErrors.isDataError(e)) {
                        throw e;
                    }
                    c.rollback(savepoint);
                    RuntimeException stale = staleOrMissing(c, completion);
                    Attempt a = completion.attempt();
                    rejected[i] = stale != null ? stale : new BulwarkException("cannot record attempt " + a.number()
                            + " of item " + a.seq() + " of job " + a.jobId() + ": " + e.getMessage(), e);
                }
            }
        }
        return rejected;
    }

    /** Records one completion in the caller's transaction, or throws why it cannot be recorded. */
    public static void apply(Connection c, Completion completion) throws SQLException {
        RuntimeException rejected = writeAll(c, List.of(completion))[0];
        if (rejected != null) {
            throw rejected;
        }
    }

    private static List<Integer> lockOrder(List<Completion> completions) {
        List<Integer> order = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) {
            order.add(i);
        }
        // A stable sort: two completions of one item keep their queue order.
        order.sort(Comparator.comparing(completions::get, LOCK_ORDER));
        return order;
    }

    private static PreparedStatement bindComplete(PreparedStatement complete, Completion c) throws SQLException {
        Attempt a = c.attempt();
        boolean interrupted = a.outcome() == AttemptOutcome.INTERRUPTED;
        return bind(complete, c.next(), interrupted ? 0 : 1, interrupted ? 1 : 0, c.nextAttemptAt(), a.startedAt(),
                a.finishedAt(), a.errorClass(), a.category(), a.message(), a.exitCode(), a.durationMs(), a.logPath(),
                a.jobId(), a.seq(), c.fence(),
                a.number(), a.startedAt(), a.finishedAt(), a.outcome(), a.errorClass(), a.category(), a.message(),
                a.exitCode(), a.durationMs(), a.worker(), a.logPath());
    }

    /** Why a completion that could not be written is rejected. */
    private static RuntimeException rejection(Connection c, Completion completion) throws SQLException {
        RuntimeException stale = staleOrMissing(c, completion);
        if (stale != null) {
            return stale;
        }
        if (!ItemStatus.RUNNING.canBecome(completion.next())) {
            return new InvalidTransitionException("item " + completion.attempt().seq(), ItemStatus.RUNNING.name(),
                    completion.next().name());
        }
        return new BulwarkException("item " + completion.attempt().seq() + " of job " + completion.attempt().jobId()
                + " changed while recording it");
    }

    /** Why a completion does not match its claim, or null if it does. */
    private static RuntimeException staleOrMissing(Connection c, Completion completion) throws SQLException {
        Attempt a = completion.attempt();
        try (PreparedStatement ps = c.prepareStatement(CLAIM_OF)) {
            try (ResultSet rs = bind(ps, a.jobId(), a.seq()).executeQuery()) {
                if (!rs.next()) {
                    return new NotFoundException("item " + a.seq() + " of job " + a.jobId() + " not found");
                }
                String status = rs.getString(1);
                long fence = rs.getLong(2);
                if (!ItemStatus.RUNNING.name().equals(status) || fence != completion.fence()) {
                    return new StaleFenceException("item " + a.seq() + " of job " + a.jobId() + " is " + status + " under fence "
                            + fence + "; completion with fence " + completion.fence() + " rejected");
                }
                return null;
            }
        }
    }
}
