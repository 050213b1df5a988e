package dev.bulwark.jdbc.internal;

import static dev.bulwark.jdbc.internal.PgRows.bind;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerRules;
import dev.bulwark.breaker.BreakerState;
import dev.bulwark.breaker.BreakerWindow;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.util.Json;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Circuit breakers shared by the distributed workers, in the PostgreSQL ledger's {@code breakers}
 * table: one row per job and scope, holding a {@link BreakerState}. The transition rules are the
 * {@link BreakerRules} that the in-process {@link CircuitBreaker} applies too: outcomes are recorded
 * into the row in the transaction that records the attempt, and every transition is appended as the same {@code breaker_*} event a process's
 * own breaker writes. Trial calls are taken by claims (see {@link #dueTrials}), which hold the
 * job's row lock, so they are handed out one claim at a time across all workers. All times are
 * the database's clock. Stateless.
 *
 * <p>A trial call is a claim whose fence is in the row's {@code trial_fences}: it is in flight
 * while its item is RUNNING under that fence. A trial whose worker died, or which was interrupted,
 * stops being in flight when its lease is reclaimed, so another claim takes the trial instead.
 */
public final class PgBreakers {
    /** A claim's condition that leaves out the items of scopes whose breaker is not closed. */
    static final String SCOPE_NOT_HELD = "NOT EXISTS (SELECT 1 FROM breakers b WHERE b.job_pk = items.job_pk "
            + "AND b.scope = coalesce(nullif(items.scope, ''), '" + dev.bulwark.Item.JOB_SCOPE + "') AND b.state <> 'CLOSED')";
    /** A claim's condition that takes only the items of one scope (bound as a parameter). */
    static final String IN_SCOPE = "coalesce(nullif(items.scope, ''), '" + dev.bulwark.Item.JOB_SCOPE + "') = ?";

    /** Whether any breaker of the job (bound to its pk) is not closed. */
    static final String TROUBLED = "EXISTS (SELECT 1 FROM breakers WHERE job_pk = ? AND state <> 'CLOSED')";
    /** Breakers whose trials may be due, locked; with the trial claims still in flight. */
    private static final String DUE = "SELECT b.scope, b.state, b.trials, b.trials_succeeded, b.reopens, "
            + "ARRAY(SELECT i.fence FROM items i WHERE i.job_pk = b.job_pk AND i.status = 'RUNNING' "
            + "AND i.fence = ANY (b.trial_fences)), coalesce(?::timestamptz, now()), b.consecutive, b.opened_at, b.open_until, "
            + "b.first_slice, b.slice_calls, b.slice_failures FROM breakers b WHERE b.job_pk = ? AND (b.state = 'HALF_OPEN' "
            + "OR (b.state = 'OPEN' AND b.open_until <= coalesce(?::timestamptz, now()))) ORDER BY b.scope FOR UPDATE OF b";
    private static final String ROW = "SELECT state, consecutive, opened_at, reopens, trial_fences, trials_succeeded, now(), "
            + "first_slice, slice_calls, slice_failures, open_until FROM breakers WHERE job_pk = ? AND scope = ? FOR UPDATE";
    private static final String SAVE = "UPDATE breakers SET state = ?, consecutive = ?, failures = ?, opened_at = ?::timestamptz, "
            + "open_until = ?::timestamptz, reopens = ?, trial_fences = ?, trials_succeeded = ?, first_slice = ?, "
            + "slice_calls = ?, slice_failures = ? WHERE job_pk = ? AND scope = ?";

    private PgBreakers() {
    }

    /**
     * A breaker that lets trial calls through now: {@code available} of its {@code trials}, its
     * state with the trial claims still in flight, and the database's time.
     */
    public record Due(String scope, int available, int trials, BreakerState state, List<Long> inFlight, Instant now) {
    }

    /** One row: the breaker's state, the trial claims in flight, and the database's time. */
    private record Row(BreakerState state, List<Long> trialFences, Instant now) {
    }

    /**
     * The job's breakers that let trial calls through now (OPEN whose open time has passed on the
     * database clock, or HALF_OPEN with fewer trials in flight or succeeded than the policy's),
     * locked until the transaction ends. Call with the job's row locked. (In halt mode this is a
     * job resumed after its breaker halted it: its trial runs once the open time has passed.)
     */
    static List<Due> dueTrials(Connection c, long jobPk) throws SQLException {
        return dueTrials(c, jobPk, null);
    }

    /** As {@link #dueTrials(Connection, long)}, at {@code now} (null: the database's clock). */
    public static List<Due> dueTrials(Connection c, long jobPk, Instant now) throws SQLException {
        List<Due> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(DUE)) {
            try (ResultSet rs = bind(ps, now, jobPk, now).executeQuery()) {
                while (rs.next()) {
                    int trials = rs.getInt(3);
                    List<Long> inFlight = Arrays.asList((Long[]) rs.getArray(6).getArray());
                    BreakerWindow window = new BreakerWindow(rs.getLong(11), ints(rs.getArray(12)), ints(rs.getArray(13)));
                    BreakerState state = new BreakerState(State.valueOf(rs.getString(2)), rs.getInt(8), window,
                            PgRows.instant(rs, 9), PgRows.instant(rs, 10), rs.getInt(5), inFlight.size(), rs.getInt(4));
                    Instant at = PgRows.instant(rs, 7);
                    int available = BreakerRules.trialsAvailable(state, trials, at);
                    if (available > 0) {
                        due.add(new Due(rs.getString(1), available, trials, state, inFlight, at));
                    }
                }
            }
        }
        return due;
    }

    /**
     * Fails the due items (PENDING, or RETRY_WAIT whose time has come) of the job's fail-mode
     * scopes whose breaker is OPEN, or HALF_OPEN with all its trials in flight or succeeded,
     * without an attempt:
     * FAILED, error class permanent, category {@code breaker-open}, each with an {@code item_failed}
     * event, as a process fails them when its breaker rejects them. A scope whose open time has
     * passed keeps its items for its trial call. Call with the job's row locked, after the trials
     * were claimed.
     *
     * @return how many items failed
     */
    static int failRejected(Connection c, long jobPk, UUID jobId) throws SQLException {
        List<String[]> open = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT b.scope, b.open_until, now() FROM breakers b WHERE b.job_pk = ? "
                + "AND b.on_open = 'FAIL' AND ((b.state = 'OPEN' AND b.open_until > now()) OR (b.state = 'HALF_OPEN' "
                + "AND b.trials_succeeded + (SELECT count(*) FROM items i WHERE i.job_pk = b.job_pk AND i.status = 'RUNNING' "
                + "AND i.fence = ANY (b.trial_fences)) >= b.trials))")) {
            try (ResultSet rs = bind(ps, jobPk).executeQuery()) {
                while (rs.next()) {
                    Instant until = PgRows.instant(rs, 2);
                    open.add(new String[] {rs.getString(1), why(rs.getString(1), until, PgRows.instant(rs, 3))});
                }
            }
        }
        int failed = 0;
        for (String[] scope : open) {
            failed += failScope(c, jobPk, jobId, scope[0], scope[1]);
        }
        return failed;
    }

    /**
     * Why a fail-mode scope's items fail without an attempt: its breaker is OPEN, or HALF_OPEN with
     * all its {@code trials} in flight or succeeded; null when they may run (closed, or its open
     * time has passed and its trial call is to go).
     */
    static String rejection(String scope, BreakerState s, int trials, Instant now) {
        boolean open = s.state() == State.OPEN && s.openUntil() != null && s.openUntil().isAfter(now);
        boolean trialsTaken = s.state() == State.HALF_OPEN && s.trialsSucceeded() + s.trialsInFlight() >= trials;
        return open || trialsTaken ? why(scope, s.state() == State.OPEN ? s.openUntil() : null, now) : null;
    }

    private static String why(String scope, Instant until, Instant now) {
        return until != null && until.isAfter(now)
                ? "the breaker of scope " + scope + " is open " + BreakerState.describeUntil(until)
                : "the breaker of scope " + scope + " is half-open and waits for its trial call";
    }

    /**
     * Fails the due items (PENDING, or RETRY_WAIT whose time has come) of one scope of the job
     * without an attempt: FAILED, error class permanent, category {@code breaker-open}, message
     * {@code why}, each with an {@code item_failed} event.
     *
     * @return how many items failed
     */
    static int failScope(Connection c, long jobPk, UUID jobId, String scope, String why) throws SQLException {
        List<JobStore.NewEvent> events = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("UPDATE items SET status = 'FAILED', next_attempt_at = NULL, "
                + "started_at = NULL, finished_at = now(), error_class = 'PERMANENT', category = 'breaker-open', message = ?, "
                + "exit_code = NULL, duration_ms = NULL WHERE job_pk = ? AND " + IN_SCOPE + " AND (status = 'PENDING' "
                + "OR (status = 'RETRY_WAIT' AND next_attempt_at <= now())) RETURNING seq, key, finished_at")) {
            try (ResultSet rs = bind(ps, why, jobPk, scope).executeQuery()) {
                while (rs.next()) {
                    EngineEvent e = new EngineEvent.ItemFailed(jobId, PgRows.instant(rs, 3), rs.getLong(1), rs.getString(2), 0,
                            null, null, null, "breaker-open", why, ErrorClass.PERMANENT, scope);
                    events.add(new JobStore.NewEvent(e, PgRows.text(Json.write(e))));
                }
            }
        }
        PgJobs.appendEvents(c, events);
        return events.size();
    }

    /**
     * Records that a claim took trial calls of a due breaker (the claims' fences), by the
     * {@link BreakerRules}: an OPEN breaker turns HALF_OPEN, with a {@code breaker_half_open} event,
     * and each claim is a trial in flight.
     *
     * @return the transition, if the breaker changed state
     */
    public static Optional<CircuitBreaker.Transition> tookTrials(Connection c, long jobPk, UUID jobId, Due due, List<Long> fences)
            throws SQLException {
        BreakerState state = due.state();
        List<Long> trialFences = new ArrayList<>(due.inFlight());
        Optional<CircuitBreaker.Transition> transition = Optional.empty();
        for (Long fence : fences) {
            BreakerRules.Acquired acquired = BreakerRules.acquire(due.scope(), state, due.trials(), due.now());
            if (acquired.transition().isPresent()) {
                trialFences.clear(); // a fresh set of trials
                transition = acquired.transition();
                event(c, jobId, acquired.transition().get(), acquired.state().reopens());
            }
            state = acquired.state();
            trialFences.add(fence);
        }
        save(c, jobPk, due.scope(), state, trialFences);
        return transition;
    }

    /**
     * Records the outcome of an attempt in its scope's breaker, in the caller's transaction (the
     * one that records the attempt, so an outcome counts once or not at all), by the
     * {@link BreakerRules}, on the database's clock. Interrupted attempts and uncounted error
     * classes count neither way.
     *
     * @param fence the claim's fence: whether the attempt was a trial call
     * @return the transition, appended as an event too, if the breaker changed state
     */
    public static Optional<CircuitBreaker.Transition> record(Connection c, long jobPk, String scope, BreakerConfig config,
                                                              Attempt attempt, long fence) throws SQLException {
        return record(c, jobPk, scope, config, attempt, fence, null);
    }

    /** As {@link #record(Connection, long, String, BreakerConfig, Attempt, long)}, at {@code now} (null: the database's clock). */
    public static Optional<CircuitBreaker.Transition> record(Connection c, long jobPk, String scope, BreakerConfig config,
                                                              Attempt attempt, long fence, Instant now) throws SQLException {
        BreakerPolicy policy = config.policy();
        boolean succeeded = attempt.outcome() == AttemptOutcome.SUCCEEDED;
        if (!succeeded && attempt.outcome() != AttemptOutcome.FAILED) {
            return Optional.empty(); // interrupted: neutral
        }
        if (!succeeded && !policy.counts(attempt.errorClass(), attempt.category())) {
            return Optional.empty(); // a class the policy does not count: neutral (a trial in it stops being in flight with its claim)
        }
        boolean slow = policy.slow() != null && attempt.durationMs() > policy.slow().toMillis();
        if (!succeeded || slow || policy.trip() == BreakerPolicy.Trip.RATE) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO breakers (job_pk, scope, on_open, trials) "
                    + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                bind(ps, jobPk, scope, config.onOpen(), policy.trials()).executeUpdate();
            }
        }
        Row row = load(c, jobPk, scope);
        if (row == null) {
            return Optional.empty(); // a success in a scope that never failed (consecutive, failures): nothing to change
        }
        Instant at = now != null ? now : row.now();
        boolean trial = row.state().state() == State.HALF_OPEN && row.trialFences().contains(fence);
        BreakerRules.Step step = succeeded
                ? BreakerRules.succeeded(scope, row.state(), policy, at, trial, Duration.ofMillis(attempt.durationMs()))
                : BreakerRules.failed(scope, row.state(), policy, at, trial, attempt.errorClass(), attempt.category(),
                        attempt.category() + (attempt.message() == null ? "" : " " + attempt.message()));
        List<Long> fences = new ArrayList<>(row.trialFences());
        if (step.state().state() != State.HALF_OPEN) {
            fences.clear();
        } else if (trial) {
            fences.remove(Long.valueOf(fence));
        }
        save(c, jobPk, scope, step.state(), fences);
        if (step.transition().isPresent()) {
            event(c, attempt.jobId(), step.transition().get(), step.state().reopens());
        }
        return step.transition();
    }

    /**
     * Closes a scope's breaker by hand ({@code bulwark breaker reset}), with a {@code breaker_closed}
     * event; false when it was closed (or never failed).
     */
    public static boolean reset(Connection c, UUID jobId, String scope) throws SQLException {
        long jobPk = PgJobs.lockPk(c, jobId);
        Row row = load(c, jobPk, scope);
        if (row == null || row.state().state() == State.CLOSED) {
            return false;
        }
        BreakerRules.Step step = BreakerRules.reset(scope, row.state(), row.now());
        save(c, jobPk, scope, step.state(), List.of());
        event(c, jobId, step.transition().orElseThrow(), 0);
        PgWorkerJobs.notifyWorkers(c);
        return true;
    }

    private static Row load(Connection c, long jobPk, String scope) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ROW)) {
            try (ResultSet rs = bind(ps, jobPk, scope).executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                List<Long> fences = Arrays.asList((Long[]) rs.getArray(5).getArray());
                BreakerWindow window = new BreakerWindow(rs.getLong(8), ints(rs.getArray(9)), ints(rs.getArray(10)));
                BreakerState state = new BreakerState(State.valueOf(rs.getString(1)), rs.getInt(2), window,
                        PgRows.instant(rs, 3), PgRows.instant(rs, 11), rs.getInt(4), fences.size(), rs.getInt(6));
                return new Row(state, fences, PgRows.instant(rs, 7));
            }
        }
    }

    private static int[] ints(Array array) throws SQLException {
        Integer[] values = (Integer[]) array.getArray();
        return Arrays.stream(values).mapToInt(Integer::intValue).toArray();
    }

    private static Array intArray(Connection c, int[] values) throws SQLException {
        return c.createArrayOf("integer", Arrays.stream(values).boxed().toArray());
    }

    private static void save(Connection c, long jobPk, String scope, BreakerState state, List<Long> trialFences)
            throws SQLException {
        BreakerWindow window = state.window();
        try (PreparedStatement ps = c.prepareStatement(SAVE)) {
            bind(ps, state.state(), state.consecutive(), c.createArrayOf("timestamptz", new Object[0]), state.openedAt(),
                    state.openUntil(), state.reopens(), c.createArrayOf("bigint", trialFences.toArray()), state.trialsSucceeded(),
                    window.firstSlice(), intArray(c, window.calls()), intArray(c, window.failures()), jobPk, scope).executeUpdate();
        }
    }

    static void event(Connection c, UUID jobId, CircuitBreaker.Transition t, int reopens) throws SQLException {
        EngineEvent e = EngineEvent.BreakerEvent.of(jobId, t, reopens);
        PgJobs.appendEvents(c, List.of(new JobStore.NewEvent(e, PgRows.text(Json.write(e)))));
    }
}
