package dev.bulwark.internal;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerState;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.engine.OutcomePolicy;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.Rejection;
import dev.bulwark.ledger.ScopeFilter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The breakers of a job as its {@link JobRunner} uses them: a {@link BreakerBoard}, and what the
 * run does about it. Claims take the items of scopes whose breaker is closed, then the trials of
 * half-open scopes; each claimed item is admitted by its scope's breaker, and each decided attempt
 * is counted by it. An item an open breaker rejects waits, halts the job or fails without an
 * attempt ({@link BreakerConfig.OnOpen}); a transition becomes a ledger event, and in halt mode an
 * opening halts the job.
 */
final class RunBreakers {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final JobRunner runner;
    private final Ledger ledger;
    private final BulwarkClock clock;
    private final Job job;
    private final JobConfig config;
    private final JobReport report;
    private final CountsTracker counts;
    private final JobHalts halts;
    private final Runnable signal;
    private final BreakerBoard board;

    /** @param signal wakes the run's dispatcher (a breaker changed: what can be claimed may have too) */
    RunBreakers(JobRunner runner, Ledger ledger, BulwarkClock clock, Job job, JobReport report, JobHalts halts,
                Runnable signal) {
        this.runner = runner;
        this.ledger = ledger;
        this.clock = clock;
        this.job = job;
        this.config = job.config();
        this.report = report;
        this.counts = report.counts();
        this.halts = halts;
        this.signal = signal;
        this.board = new BreakerBoard(config.breaker(), config.breaker().shared() ? ledger.breakers() : null, this::breakerChanged);
    }

    /** Takes the breakers' state from the job's events, as a run starts. */
    void restore() {
        board.restore(BreakerStatus.latest(ledger.events(job.id(), Integer.MAX_VALUE)), clock.now());
    }

    /**
     * Claims up to {@code max} items: those of scopes whose breaker is closed, then the trial
     * calls of half-open scopes.
     */
    List<Item> claim(int max, Instant now) {
        List<Item> claimed = ledger.claim(job.id(), now, max, config.ordered(), board.claimFilter(now));
        for (Map.Entry<String, Integer> trial : board.trialsDue(now).entrySet()) {
            int left = max - claimed.size();
            if (left <= 0 || (config.ordered() && !claimed.isEmpty())) {
                break;
            }
            List<Item> trials = ledger.claim(job.id(), now, Math.min(left, trial.getValue()), config.ordered(),
                    ScopeFilter.only(trial.getKey()));
            if (!trials.isEmpty()) {
                claimed = new ArrayList<>(claimed);
                claimed.addAll(trials);
            }
        }
        return claimed;
    }

    /** Admits a claimed item through its scope's breaker, which gives it its permit; false when the breaker rejected it. */
    boolean admit(LocalClaim claim) {
        Item item = claim.item();
        CircuitBreaker.Permit permit = board.acquire(item.breakerScope(), clock.now());
        if (!permit.permitted()) {
            rejected(item, permit);
            return false;
        }
        claim.permit = permit;
        return true;
    }

    /** Counts a decided attempt in its scope's breaker. */
    void decided(LocalClaim claim, OutcomePolicy.Decision d, Attempt a) {
        Item item = claim.item();
        AttemptResult r = d.result();
        String scope = item.breakerScope();
        switch (d.outcome()) {
            case SUCCEEDED -> board.succeeded(scope, claim.permit, a.finishedAt(), Duration.ofMillis(a.durationMs()));
            case FAILED -> board.failed(scope, claim.permit, a.finishedAt(), r.errorClass(), r.category(),
                    r.category() + (r.message() == null ? "" : " " + r.message()));
            default -> board.release(scope, claim.permit);
        }
    }

    /** Whether a breaker is open or half-open: what is left may wait for it. */
    boolean anyTroubled() {
        return board.anyTroubled();
    }

    /** When the first open breaker lets a trial through. */
    Optional<Instant> nextTrialAt() {
        return board.nextTrialAt();
    }

    /** A breaker rejected a claimed item: it waits (pause), stops the job (halt) or fails without an attempt (fail). */
    private void rejected(Item item, CircuitBreaker.Permit permit) {
        String scope = item.breakerScope();
        String why = permit.openUntil() != null
                ? "the breaker of scope " + scope + " is open " + BreakerState.describeUntil(permit.openUntil())
                : "the breaker of scope " + scope + " is half-open and waits for its trial call";
        switch (board.config().onOpen()) {
            case PAUSE -> runner.giveBack(item, why);
            case HALT -> {
                runner.giveBack(item, why);
                halts.halt("breaker-open: " + why + (BreakerState.untilReset(permit.openUntil()) ? " (reset the breaker, then resume)"
                        : " (reset the breaker, or resume once its open time has passed)"), false);
            }
            case FAIL -> {
                // Beside breaker-open, the review queue keeps what actually went wrong in the scope.
                String cause = board.lastFailure(scope).orElse(null);
                if (cause != null) {
                    why = why + "; last error of the scope: " + cause;
                }
                Instant now = clock.now();
                try {
                    ledger.reject(new Rejection(job.id(), item.seq(), item.fence(), ItemStatus.FAILED, "breaker-open", why, now));
                } catch (RuntimeException e) {
                    runner.ledgerFailed(item, e);
                    return;
                }
                counts.rejectedAsFailed(item.seq());
                report.emit(new EngineEvent.ItemFailed(job.id(), now, item.seq(), item.key(), 0, null, null, null,
                        "breaker-open", why, ErrorClass.PERMANENT, scope));
                halts.itemFailed(item, "breaker-open");
            }
        }
    }

    /** A breaker changed state: a ledger event, and in halt mode the end of the job when it opened. */
    private void breakerChanged(CircuitBreaker.Transition t) {
        int reopens = board.snapshot(t.scope()).reopens();
        report.emit(EngineEvent.BreakerEvent.of(job.id(), t, reopens));
        if (t.to() == CircuitBreaker.State.OPEN) {
            LOG.warn("job {}: breaker of scope {} opened {}: {}", job.id(), t.scope(), BreakerState.describeUntil(t.openUntil()),
                    t.reason());
            if (board.config().onOpen() == BreakerConfig.OnOpen.HALT) {
                halts.halt("breaker-open: the breaker of scope " + t.scope() + " opened (" + t.reason() + ")", false);
            }
        }
        report.reportSoon();
        signal.run();
    }

    /** Closes a scope's breaker by hand; false when it was not open. */
    boolean reset(String scope) {
        return board.reset(scope, clock.now());
    }

    /** The breakers of this job that are not closed. */
    List<BreakerStatus> open() {
        return board.open(clock.now());
    }
}
