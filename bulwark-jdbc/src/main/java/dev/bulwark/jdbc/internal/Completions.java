package dev.bulwark.jdbc.internal;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.InvalidTransitionException;
import dev.bulwark.ItemStatus;
import dev.bulwark.NotFoundException;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.StaleFenceException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Records completions in the caller's transaction, on any {@link Dialect}. A rejected completion
 * leaves no trace while the others of its group are recorded: the item update is guarded by the
 * claim (RUNNING under the completion's fence, checked and written in one statement, under the
 * row lock the UPDATE takes), and an attempt row is written only for a matching update. So a stale
 * completion writes nothing, whatever process claimed the item meanwhile.
 */
public record Completions(Statements sql, Rows rows, JobStore jobs) {
    private static final String INSERT_ATTEMPT = "INSERT INTO attempts (job_pk, seq, " + Rows.ATTEMPT_COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String UPDATE_ITEM = "UPDATE items SET status = ?, attempts = attempts + ?, "
            + "interruptions = interruptions + ?, next_attempt_at = ?, started_at = ?, finished_at = ?, error_class = ?, "
            + "category = ?, message = ?, exit_code = ?, duration_ms = ?, log_path = coalesce(?, log_path), result = ? "
            + "WHERE job_pk = ? AND seq = ? AND status = 'RUNNING' AND fence = ?";
    private static final String CLAIM_OF = "SELECT status, fence FROM items WHERE job_pk = ? AND seq = ?";
    /** Same job and item in the same order everywhere, so two transactions never wait for each other in a circle. */
    private static final Comparator<Completion> LOCK_ORDER = Comparator
            .comparing((Completion c) -> c.attempt().jobId())
            .thenComparingLong(c -> c.attempt().seq());


    /**
     * Records completions as two statement batches (item updates in lock order, then the attempt
     * rows of the updates that matched): one round trip each, whatever their number. Returns, per
     * completion, the exception it is rejected with (nothing of it written), or null once written.
     * When the database refuses a row of a batch (a reused attempt number, a value out of range),
     * the batches are undone and the completions recorded one by one, so that only that one fails.
     * Other SQL errors (a lost connection, a full disk) are thrown: they end the whole group.
     */
    public RuntimeException[] writeAll(List<Completion> completions) throws SQLException {
        sql.execute("SAVEPOINT completions");
        try {
            RuntimeException[] rejected = writeBatched(completions);
            sql.execute("RELEASE SAVEPOINT completions");
            announce(completions, rejected);
            return rejected;
        } catch (SQLException e) {
            if (!rows.dialect().isRefusedData(e)) {
                throw e;
            }
            sql.execute("ROLLBACK TO SAVEPOINT completions");
            sql.execute("RELEASE SAVEPOINT completions");
            sql.get(UPDATE_ITEM).clearBatch();
            sql.get(INSERT_ATTEMPT).clearBatch();
            RuntimeException[] rejected = writeOneByOne(completions);
            announce(completions, rejected);
            return rejected;
        }
    }

    private void announce(List<Completion> completions, RuntimeException[] rejected) throws SQLException {
        List<Completion> written = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) {
            if (rejected[i] == null) {
                written.add(completions.get(i));
            }
        }
        if (!written.isEmpty()) {
            rows.dialect().announcer().announce(sql.connection(), written);
        }
    }

    /** Records one completion in the caller's transaction, or throws why it cannot be recorded. */
    public void apply(Completion completion) throws SQLException {
        RuntimeException rejected = writeAll(List.of(completion))[0];
        if (rejected != null) {
            throw rejected;
        }
    }

    private RuntimeException[] writeBatched(List<Completion> completions) throws SQLException {
        PreparedStatement update = sql.get(UPDATE_ITEM);
        List<Integer> updating = new ArrayList<>(completions.size());
        long[] pks = new long[completions.size()];
        for (int i : lockOrder(completions)) {
            Completion c = completions.get(i);
            pks[i] = jobs.pkOrZero(c.attempt().jobId());
            if (pks[i] != 0 && ItemStatus.RUNNING.canBecome(c.next())) {
                bindUpdate(update, pks[i], c).addBatch();
                updating.add(i);
            }
        }
        int[] updated = updating.isEmpty() ? new int[0] : update.executeBatch();
        PreparedStatement insert = sql.get(INSERT_ATTEMPT);
        boolean inserting = false;
        boolean[] done = new boolean[completions.size()];
        for (int k = 0; k < updating.size(); k++) {
            if (updated[k] == 1) {
                int i = updating.get(k);
                done[i] = true;
                bindInsert(insert, pks[i], completions.get(i).attempt()).addBatch();
                inserting = true;
            }
        }
        if (inserting) {
            insert.executeBatch();
        }
        // Checked after the batch, so a completion sees those queued before it, as one by one would.
        RuntimeException[] rejected = new RuntimeException[completions.size()];
        for (int i = 0; i < completions.size(); i++) {
            if (!done[i]) {
                rejected[i] = rejection(completions.get(i));
            }
        }
        return rejected;
    }

    /** Records completions one at a time, each under a savepoint, so that one the database refuses fails alone. */
    private RuntimeException[] writeOneByOne(List<Completion> completions) throws SQLException {
        RuntimeException[] rejected = new RuntimeException[completions.size()];
        for (int i : lockOrder(completions)) {
            Completion c = completions.get(i);
            Attempt a = c.attempt();
            long pk = jobs.pkOrZero(a.jobId());
            if (pk == 0 || !ItemStatus.RUNNING.canBecome(c.next())) {
                rejected[i] = rejection(c);
                continue;
            }
            sql.execute("SAVEPOINT completion");
            try {
                if (bindUpdate(sql.get(UPDATE_ITEM), pk, c).executeUpdate() == 1) {
                    bindInsert(sql.get(INSERT_ATTEMPT), pk, a).executeUpdate();
                } else {
                    rejected[i] = rejection(c);
                }
                sql.execute("RELEASE SAVEPOINT completion");
            } catch (SQLException e) {
                if (!rows.dialect().isRefusedData(e)) {
                    throw e;
                }
                sql.execute("ROLLBACK TO SAVEPOINT completion");
                sql.execute("RELEASE SAVEPOINT completion");
                // Typically a late completion of an attempt that recovery already closed as interrupted.
                RuntimeException stale = staleOrMissing(c);
                rejected[i] = stale != null ? stale : new BulwarkException("cannot record attempt " + a.number() + " of item "
                        + a.seq() + " of job " + a.jobId() + ": " + e.getMessage(), e);
            }
        }
        return rejected;
    }

    private static List<Integer> lockOrder(List<Completion> completions) {
        List<Integer> order = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) {
            order.add(i);
        }
        // Stable: completions of the same item keep their queue order.
        order.sort((x, y) -> LOCK_ORDER.compare(completions.get(x), completions.get(y)));
        return order;
    }

    /** Inserts one attempt row as it is (compensations, which move no claim). */
    public void insertAttempt(long jobPk, Attempt a) throws SQLException {
        bindInsert(sql.get(INSERT_ATTEMPT), jobPk, a).executeUpdate();
    }

    private PreparedStatement bindInsert(PreparedStatement insert, long jobPk, Attempt a) throws SQLException {
        return rows.bind(insert, jobPk, a.seq(), a.number(), a.startedAt(), a.finishedAt(), a.outcome(), a.errorClass(),
                a.category(), a.message(), a.exitCode(), a.durationMs(), a.worker(), a.logPath());
    }

    private PreparedStatement bindUpdate(PreparedStatement update, long jobPk, Completion c) throws SQLException {
        Attempt a = c.attempt();
        boolean interrupted = a.outcome() == AttemptOutcome.INTERRUPTED;
        return rows.bind(update, c.next(), interrupted ? 0 : 1, interrupted ? 1 : 0, c.nextAttemptAt(), a.startedAt(),
                a.finishedAt(), a.errorClass(), a.category(), a.message(), a.exitCode(), a.durationMs(), a.logPath(),
                c.result(), jobPk, a.seq(), c.fence());
    }

    /** Why a completion that could not be written is rejected. */
    private RuntimeException rejection(Completion c) throws SQLException {
        RuntimeException stale = staleOrMissing(c);
        if (stale != null) {
            return stale;
        }
        if (!ItemStatus.RUNNING.canBecome(c.next())) {
            return new InvalidTransitionException("item " + c.attempt().seq(), ItemStatus.RUNNING.name(), c.next().name());
        }
        return new BulwarkException("item " + c.attempt().seq() + " of job " + c.attempt().jobId() + " changed while recording it");
    }

    /** Why a completion does not match its claim, or null if it does. */
    private RuntimeException staleOrMissing(Completion c) throws SQLException {
        Attempt a = c.attempt();
        try (ResultSet rs = rows.bind(sql.get(CLAIM_OF), jobs.pkOrZero(a.jobId()), a.seq()).executeQuery()) {
            if (!rs.next()) {
                return new NotFoundException("item " + a.seq() + " of job " + a.jobId() + " not found");
            }
            String status = rs.getString(1);
            long fence = rs.getLong(2);
            if (!ItemStatus.RUNNING.name().equals(status) || fence != c.fence()) {
                return new StaleFenceException("item " + a.seq() + " of job " + a.jobId() + " is " + status + " under fence "
                        + fence + "; completion with fence " + c.fence() + " rejected");
            }
            return null;
        }
    }
}
