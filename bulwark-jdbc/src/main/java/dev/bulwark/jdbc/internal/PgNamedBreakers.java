package dev.bulwark.jdbc.internal;

import static dev.bulwark.jdbc.internal.PgRows.bind;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerRules;
import dev.bulwark.breaker.BreakerStore.Result;
import dev.bulwark.breaker.BreakerStore.SharedBreaker;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.breaker.StoredBreaker;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The ledger's named breakers ({@code --breaker-shared}) as the workers of a shared PostgreSQL
 * ledger use them: the breaker of an item's scope {@code m1} is the ledger's breaker {@code m1},
 * the one that {@code bulwark run --breaker-shared}, the Java API's {@code NamedBreaker} and every
 * other job on the ledger use too. The rules are the {@link BreakerRules} of every breaker; the
 * state is the {@code named_breakers} row ({@link JdbcBreakerStore}), changed in the transaction
 * that claims a trial or records an outcome, on the database's clock.
 *
 * <p>A trial call is a claim marked as one; a trial whose worker died stops being in flight
 * once it has been for longer than the open time (as for every named breaker, see
 * {@link StoredBreaker#recovered}). Transitions are kept as the breaker's events and as the
 * job's {@code breaker_*} events. Stateless.
 */
public final class PgNamedBreakers {
    private static final JdbcBreakerStore ROWS = new JdbcBreakerStore(null, true);
    private static final String NOT_CLOSED = "(nb.state::jsonb ->> 'state') <> 'CLOSED'";
    private static final String ITEM_SCOPE = "coalesce(nullif(items.scope, ''), '" + dev.bulwark.Item.JOB_SCOPE + "')";

    /** A claim's condition that leaves out the items of scopes whose named breaker is not closed. */
    static final String SCOPE_NOT_HELD = "NOT EXISTS (SELECT 1 FROM named_breakers nb WHERE nb.name = " + ITEM_SCOPE
            + " AND " + NOT_CLOSED + ")";

    /** The job's scopes with items waiting whose named breaker is not closed, locked, with the database's time. */
    private static final String TROUBLED = "SELECT nb.name, nb.policy, nb.state, nb.since_ms, nb.reason, now() FROM named_breakers nb "
            + "WHERE " + NOT_CLOSED + " AND EXISTS (SELECT 1 FROM items WHERE items.job_pk = ? AND " + ITEM_SCOPE + " = nb.name "
            + "AND items.status IN ('PENDING', 'RETRY_WAIT')) ORDER BY nb.name FOR UPDATE OF nb";

    private PgNamedBreakers() {
    }

    /** A named breaker that a job's items wait for, as read (locked) by a claim at the database's time {@code now}. */
    record Troubled(SharedBreaker breaker, Instant now) {
        String scope() {
            return breaker.name();
        }

        /** Trial calls it lets through now (the trials of a dead worker counted as lost). */
        int available() {
            return BreakerRules.trialsAvailable(StoredBreaker.recovered(breaker, now), breaker.policy(), now);
        }

        /** Why its scope's items fail without an attempt in fail mode, or null when they may run. */
        String rejects() {
            return PgBreakers.rejection(scope(), StoredBreaker.recovered(breaker, now), breaker.policy().trials(), now);
        }
    }

    /** The named breakers, not closed, of the scopes of the job's waiting items (none: the usual, one cheap query). */
    static List<Troubled> troubled(Connection c, long jobPk) throws SQLException {
        List<Troubled> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(TROUBLED)) {
            try (ResultSet rs = bind(ps, jobPk).executeQuery()) {
                while (rs.next()) {
                    out.add(new Troubled(JdbcBreakerStore.row(rs), PgRows.instant(rs, 6)));
                }
            }
        }
        return out;
    }

    /** Records that a claim took {@code count} trial calls of the breaker; a transition is kept as the job's event too. */
    static void tookTrials(Connection c, UUID jobId, Troubled due, int count) throws SQLException {
        for (int i = 0; i < count; i++) {
            Instant now = due.now();
            BreakerRules.Acquired acquired = ROWS.update(c, due.scope(), due.breaker().policy(), b -> {
                BreakerRules.Acquired a = BreakerRules.acquire(b.name(), StoredBreaker.recovered(b, now), b.policy(), now);
                return new Result<>(a.state(), a.transition(), a);
            });
            if (acquired.transition().isPresent()) {
                PgBreakers.event(c, jobId, acquired.transition().get(), acquired.state().reopens());
            }
        }
    }

    /**
     * Counts an attempt's outcome in the named breaker of its scope, in the caller's transaction
     * (the one that records the attempt), by the {@link BreakerRules}, on the database's clock.
     * Interrupted attempts and uncounted failures count neither way (a trial among them stops
     * being in flight).
     *
     * @param trial whether the attempt was a trial call of the breaker
     * @return the transition, kept as the job's event too, if the breaker changed state
     */
    public static Optional<CircuitBreaker.Transition> record(Connection c, String scope, BreakerConfig config, Attempt attempt,
                                                      boolean trial) throws SQLException {
        Instant now = PgWorkerJobs.databaseNow(c);
        BreakerRules.Step counted = ROWS.update(c, scope, config.policy(), b -> {
            BreakerPolicy policy = b.policy();
            boolean succeeded = attempt.outcome() == AttemptOutcome.SUCCEEDED;
            BreakerRules.Step step;
            if (!succeeded && (attempt.outcome() != AttemptOutcome.FAILED || !policy.counts(attempt.errorClass(), attempt.category()))) {
                step = new BreakerRules.Step(BreakerRules.release(b.state(), trial), Optional.empty());
            } else if (succeeded) {
                step = BreakerRules.succeeded(scope, b.state(), policy, now, trial, Duration.ofMillis(attempt.durationMs()));
            } else {
                step = BreakerRules.failed(scope, b.state(), policy, now, trial, attempt.errorClass(), attempt.category(),
                        attempt.category() + (attempt.message() == null ? "" : " " + attempt.message()));
            }
            return new Result<>(step.state(), step.transition(), step);
        });
        if (counted.transition().isPresent()) {
            PgBreakers.event(c, attempt.jobId(), counted.transition().get(), counted.state().reopens());
        }
        return counted.transition();
    }
}
