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
import java.util.List;

/**
 * Records completions inside the group-commit transaction. A rejected completion must leave no
 * trace while the others of its group commit: the item update is guarded by the claim (RUNNING
 * under the completion's fence), and an attempt row is written only for a matching update.
 */
public final class Completions {
    private static final Rows ROWS = new Rows(dev.bulwark.jdbc.sqlite.SqliteDialect.INSTANCE);
    private static final String INSERT_ATTEMPT = "INSERT INTO attempts (job_pk, seq, " + Rows.ATTEMPT_COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String UPDATE_ITEM = "UPDATE items SET status = ?, attempts = attempts + ?, "
            + "interruptions = interruptions + ?, next_attempt_at = ?, started_at = ?, finished_at = ?, error_class = ?, "
            + "category = ?, message = ?, exit_code = ?, duration_ms = ?, log_path = coalesce(?, log_path) "
            + "WHERE job_pk = ? AND seq = ? AND status = 'RUNNING' AND fence = ?";
    private static final String DELETE_ATTEMPT = "DELETE FROM attempts WHERE job_pk = ? AND seq = ? AND number = ?";
    private static final String CLAIM_OF = "SELECT status, fence FROM items WHERE job_pk = ? AND seq = ?";

    private final Statements sql;
    private final JobStore jobs;

    public Completions(Statements sql, JobStore jobs) {
        this.sql = sql;
        this.jobs = jobs;
    }

    /**
     * Records queued completions in order, as two statement batches (item updates, then attempt
     * rows): one call per row would cost more in the driver than in SQLite. Returns, per
     * completion, the exception it is rejected with (nothing of it written), or null.
     */
    public RuntimeException[] writeAll(List<Completion> completions) throws SQLException {
        sql.execute("SAVEPOINT completions");
        try {
            RuntimeException[] rejected = writeBatched(completions);
            sql.execute("RELEASE completions");
            return rejected;
        } catch (SQLException e) {
            if (!SqlErrors.isConstraint(e)) {
                throw e;
            }
            // A row the batch could not take (a reused attempt number, a missing field): start
            // over one by one, so that only that completion fails.
            sql.execute("ROLLBACK TO completions");
            sql.execute("RELEASE completions");
            sql.get(UPDATE_ITEM).clearBatch();
            sql.get(INSERT_ATTEMPT).clearBatch();
            RuntimeException[] rejected = new RuntimeException[completions.size()];
            for (int i = 0; i < completions.size(); i++) {
                rejected[i] = apply(completions.get(i));
            }
            return rejected;
        }
    }

    private RuntimeException[] writeBatched(List<Completion> completions) throws SQLException {
        RuntimeException[] rejected = new RuntimeException[completions.size()];
        PreparedStatement update = sql.get(UPDATE_ITEM);
        List<Integer> updating = new ArrayList<>(completions.size());
        long[] pks = new long[completions.size()];
        for (int i = 0; i < completions.size(); i++) {
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
        for (int k = 0; k < updating.size(); k++) {
            if (updated[k] == 1) {
                int i = updating.get(k);
                bindInsert(insert, pks[i], completions.get(i).attempt()).addBatch();
                inserting = true;
            }
        }
        if (inserting) {
            insert.executeBatch();
        }
        // Checked after the batch, so a completion sees those queued before it, as one by one would.
        for (int i = 0, k = 0; i < completions.size(); i++) {
            boolean tried = k < updating.size() && updating.get(k) == i;
            if (!tried || updated[k] != 1) {
                rejected[i] = rejection(completions.get(i));
            }
            k += tried ? 1 : 0;
        }
        return rejected;
    }

    /**
     * Records one completion. Returns the exception to fail it with (nothing written), or null
     * once written. SQL errors other than constraint violations are thrown: they end the whole group.
     * The attempt row goes first, since a constraint error there undoes only that statement; if
     * the guarded item update then matches nothing, the row is taken back.
     */
    public RuntimeException apply(Completion c) throws SQLException {
        Attempt a = c.attempt();
        long pk = jobs.pkOrZero(a.jobId());
        if (pk == 0 || !ItemStatus.RUNNING.canBecome(c.next())) {
            return rejection(c);
        }
        try {
            bindInsert(sql.get(INSERT_ATTEMPT), pk, a).executeUpdate();
        } catch (SQLException e) {
            if (!SqlErrors.isConstraint(e)) {
                throw e;
            }
            // Typically a late completion of an attempt that recovery already closed as interrupted.
            RuntimeException stale = staleOrMissing(c);
            return stale != null ? stale : new BulwarkException("cannot record attempt " + a.number() + " of item " + a.seq()
                    + " of job " + a.jobId() + ": " + e.getMessage(), e);
        }
        if (bindUpdate(sql.get(UPDATE_ITEM), pk, c).executeUpdate() == 1) {
            return null;
        }
        ROWS.bind(sql.get(DELETE_ATTEMPT), pk, a.seq(), a.number()).executeUpdate();
        return rejection(c);
    }

    /** Inserts one attempt row as it is (compensations, which move no claim). */
    public void insertAttempt(long jobPk, Attempt a) throws SQLException {
        bindInsert(sql.get(INSERT_ATTEMPT), jobPk, a).executeUpdate();
    }

    private static PreparedStatement bindInsert(PreparedStatement insert, long jobPk, Attempt a) throws SQLException {
        return ROWS.bind(insert, jobPk, a.seq(), a.number(), a.startedAt(), a.finishedAt(), a.outcome(), a.errorClass(),
                a.category(), a.message(), a.exitCode(), a.durationMs(), a.worker(), a.logPath());
    }

    private static PreparedStatement bindUpdate(PreparedStatement update, long jobPk, Completion c) throws SQLException {
        Attempt a = c.attempt();
        boolean interrupted = a.outcome() == AttemptOutcome.INTERRUPTED;
        return ROWS.bind(update, c.next(), interrupted ? 0 : 1, interrupted ? 1 : 0, c.nextAttemptAt(), a.startedAt(),
                a.finishedAt(), a.errorClass(), a.category(), a.message(), a.exitCode(), a.durationMs(), a.logPath(),
                jobPk, a.seq(), c.fence());
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
        try (ResultSet rs = ROWS.bind(sql.get(CLAIM_OF), jobs.pkOrZero(a.jobId()), a.seq()).executeQuery()) {
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
