package dev.bulwark.jdbc;

import dev.bulwark.Item;
import dev.bulwark.Job;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.JobStatus;
import dev.bulwark.jdbc.internal.PgBreakers;
import dev.bulwark.jdbc.internal.PgNamedBreakers;
import dev.bulwark.jdbc.internal.PgJobs;
import dev.bulwark.jdbc.internal.PgCompletions;
import dev.bulwark.jdbc.internal.PgLeases;
import dev.bulwark.jdbc.internal.PgNotifications;
import dev.bulwark.jdbc.internal.PgTx;
import dev.bulwark.jdbc.internal.PgWorkerView;
import dev.bulwark.jdbc.internal.PgWorkerJobs;
import dev.bulwark.ledger.Completion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The queue that distributed workers share, on a {@link PostgresLedger}: jobs handed to workers,
 * claims that are leases, and the end of a job decided once in the database.
 *
 * <p>A claim takes due items across every worker job, best first (lowest priority number, aged
 * by one step per {@link PgLeases#AGEING_STEP} of waiting), each job only up to its own limit of
 * running items across all workers, with {@code FOR NO KEY UPDATE SKIP LOCKED}. Each claimed item
 * is a lease held by its worker until {@code now() + lease} on the database's clock, renewed by
 * {@link #renew}; a lease that expired is taken back by {@link #reclaim} from any worker, and the
 * old claim's fencing token is stale from then on, so its completion is rejected.
 *
 * <p>A job with circuit breakers shares them across its workers (the {@code breakers} table): a
 * claim leaves out the items of scopes whose breaker is not closed and takes the trial calls of
 * half-open ones, at most the policy's number across all workers; see {@link #complete(Lease,
 * Completion, BreakerConfig)}.
 *
 * <p>Thread-safe; every method is one transaction on a pooled connection of the ledger.
 */
public final class WorkQueue {
    /**
     * One item claimed by a worker: its lease lasts while its fence is current. {@code trial}: the
     * claim is a trial call of its scope's named breaker ({@code --breaker-shared}).
     */
    public record Lease(long jobPk, Item item, boolean trial) {
        public Lease(long jobPk, Item item) {
            this(jobPk, item, false);
        }

        public UUID jobId() {
            return item.jobId();
        }

        public long fence() {
            return item.fence();
        }
    }

    /** What {@link #reclaim} took back. */
    public record Reclaimed(int interrupted, int stalled) {
        public int total() {
            return interrupted + stalled;
        }
    }

    private final PostgresLedger ledger;
    private final PgTx tx;

    public WorkQueue(PostgresLedger ledger) {
        this(ledger, ledger.dataSource());
    }

    private WorkQueue(PostgresLedger ledger, javax.sql.DataSource dataSource) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.tx = new PgTx(dataSource, ledger.where(), () -> { });
    }

    /**
     * This queue on a small pool of connections of its own (a pool beside the ledger's),
     * for a worker's heartbeats: no claim or completion on the ledger's pool delays them, and
     * their network waits end within {@code timeout}. Closed with the ledger.
     */
    public WorkQueue onOwnConnections(String name, Duration timeout) {
        return new WorkQueue(ledger, ledger.sidePool(name, timeout));
    }

    public PostgresLedger ledger() {
        return ledger;
    }

    /**
     * Hands a QUEUED job (completely submitted) to the workers and wakes idle ones.
     *
     * @param priority   lower runs first
     * @param maxRunning the job's limit of running items, across all workers
     */
    public void enqueue(UUID jobId, int priority, int maxRunning) {
        ValidationException.require(maxRunning >= 1, "the job's concurrency must be at least 1, but was " + maxRunning);
        boolean queued = tx.write("hand a job to the workers", c -> PgWorkerJobs.enqueue(c, jobId, priority, maxRunning));
        if (!queued) {
            throw new ValidationException("job " + jobId + " is not QUEUED, or was handed to the workers already: only a newly "
                    + "submitted job can be handed to workers");
        }
    }

    /** Whether workers run this job (it was submitted for them). */
    public boolean isWorkerJob(UUID jobId) {
        return tx.read("look at a job", c -> PgWorkerJobs.isWorkerJob(c, jobId));
    }

    /**
     * Calls {@code onWork} whenever work may have arrived (a notification on the ledger's
     * database), from a thread of its own, until closed.
     */
    public AutoCloseable listen(Runnable onWork) {
        return new PgNotifications(ledger.dataSource(), onWork);
    }

    /** Wakes idle workers (after items became due, or a job was resumed). */
    public void notifyWorkers() {
        tx.write("notify the workers", c -> {
            PgWorkerJobs.notifyWorkers(c);
            return null;
        });
    }

    /** Claims up to {@code limit} due items for {@code owner}, each leased for {@code lease}. */
    public List<Lease> claim(String owner, int limit, Duration lease) {
        List<PgLeases.Claimed> claimed = tx.write("claim items", c -> PgLeases.claim(c, owner, limit, lease));
        List<Lease> leases = new ArrayList<>(claimed.size());
        for (PgLeases.Claimed c : claimed) {
            leases.add(new Lease(c.jobPk(), c.item(), c.trial()));
        }
        return leases;
    }

    /** Extends the leases still current; returns their fences (a lease not among them was lost). */
    public Set<Long> renew(List<Lease> held, Duration lease) {
        if (held.isEmpty()) {
            return Set.of();
        }
        List<PgLeases.Claimed> claims = held.stream().map(l -> new PgLeases.Claimed(l.jobPk(), l.item())).toList();
        return tx.write("renew leases", c -> PgLeases.renew(c, claims, lease));
    }

    /**
     * Takes back up to {@code limit} expired leases (see {@link PgLeases#reclaim}), then ends the
     * jobs that have nothing left to run, and wakes idle workers if items became due again.
     */
    public Reclaimed reclaim(String reclaimer, int maxStalls, int limit) {
        PgLeases.Reclaimed r = tx.write("reclaim expired leases", c -> {
            PgLeases.Reclaimed done = PgLeases.reclaim(c, reclaimer, maxStalls, limit);
            if (done.interrupted() > 0) {
                PgWorkerJobs.notifyWorkers(c);
            }
            return done;
        });
        for (long pk : r.jobPks()) {
            finishIfDone(pk);
        }
        return new Reclaimed(r.interrupted(), r.stalled());
    }

    /** Ends the job if it is RUNNING and every item has a final outcome; exactly one caller gets it. */
    public Optional<Job> finishIfDone(long jobPk) {
        boolean unfinished = tx.read("look for unfinished items", c -> PgWorkerJobs.hasUnfinished(c, jobPk));
        if (unfinished) {
            return Optional.empty();
        }
        return tx.write("finish a job", c -> PgWorkerJobs.finishIfDone(c, jobPk));
    }

    /** Ends every worker job that is RUNNING with nothing left (a worker that would have ended it died). */
    public List<Job> finishAllDone() {
        List<Job> finished = new ArrayList<>();
        for (long pk : tx.read("look for finished jobs", PgWorkerJobs::finishable)) {
            finishIfDone(pk).ifPresent(finished::add);
        }
        return finished;
    }

    /** Halts a worker job: items not running are SKIPPED, the job FAILED. False if it had stopped already. */
    public boolean halt(UUID jobId, String reason) {
        return halt(jobId, reason, false);
    }

    /**
     * Halts a worker job; with {@code drain} (halt soon) its running items finish and record their
     * own outcome, the others are SKIPPED. False if it had stopped already: exactly one caller
     * halts a job.
     */
    public boolean halt(UUID jobId, String reason, boolean drain) {
        return tx.write("halt a job", c -> PgWorkerJobs.halt(c, jobId, reason, drain));
    }

    /**
     * Pauses a worker job: it becomes PAUSED, so no worker claims from it, and the workers are
     * woken; each worker that runs items of it stops those attempts, which are recorded as
     * interrupted (their items PENDING again), as a paused run records them. Attempts of a worker
     * that is gone are taken back when their lease expires.
     */
    public Job pause(UUID jobId, String reason) {
        return tx.write("pause a job", c -> {
            Job paused = PgJobs.transition(c, jobId, JobStatus.PAUSED, reason, ledger.databaseNow());
            PgWorkerJobs.notifyWorkers(c);
            return paused;
        });
    }

    /**
     * Hands a paused or finished job back to the workers: it becomes QUEUED, its start is
     * cleared (the next claim starts its new run, and its time budget, anew), and idle workers
     * are woken.
     */
    public Job requeue(UUID jobId) {
        return tx.write("hand a job back to the workers", c -> {
            PgJobs.transition(c, jobId, JobStatus.QUEUED, null, ledger.databaseNow());
            try (var ps = c.prepareStatement("UPDATE jobs SET started_at = NULL WHERE id = ?")) {
                ps.setObject(1, jobId);
                ps.executeUpdate();
            }
            long pk = PgJobs.pk(c, jobId);
            if (!PgWorkerJobs.hasUnfinished(c, pk)) {
                // Paused after its last outcome: no claim would ever start it again, so it ends here.
                PgJobs.transition(c, jobId, JobStatus.RUNNING, null, ledger.databaseNow());
                PgWorkerJobs.finishIfDone(c, pk);
            } else {
                PgWorkerJobs.notifyWorkers(c);
            }
            return PgJobs.find(c, jobId).orElseThrow();
        });
    }

    /** Of these worker jobs, those that are PAUSED: their running attempts are to stop. */
    public Set<Long> paused(Set<Long> jobPks) {
        if (jobPks.isEmpty()) {
            return Set.of();
        }
        return tx.read("look for paused jobs", c -> PgWorkerJobs.paused(c, jobPks));
    }

    /**
     * Records an attempt's outcome and counts it in its scope's shared circuit breaker, in one
     * transaction: a completion rejected as stale (also the retry of a commit that went through)
     * counts nothing. Returns the breaker's transition, if the outcome changed its state.
     */
    public Optional<CircuitBreaker.Transition> complete(Lease lease, Completion completion, BreakerConfig breaker) {
        return tx.write("record an outcome and its breaker", c -> {
            PgCompletions.apply(c, completion);
            return breaker.shared()
                    ? PgNamedBreakers.record(c, lease.item().breakerScope(), breaker, completion.attempt(), lease.trial())
                    : PgBreakers.record(c, lease.jobPk(), lease.item().breakerScope(), breaker, completion.attempt(), lease.fence());
        });
    }

    /**
     * Closes the shared breaker of {@code scope} in a worker job by hand, with a
     * {@code breaker_closed} event, and wakes the workers; false when it was not open.
     */
    public boolean resetBreaker(UUID jobId, String scope) {
        return tx.write("reset a breaker", c -> PgBreakers.reset(c, jobId, scope));
    }

    /**
     * Halts the job if its failed items reached its budget ({@code stop-on-first-failure},
     * {@code max-failures}); see {@link PgWorkerJobs#haltIfOverBudget}. Returns whether this call halted it.
     */
    public boolean haltIfOverBudget(long jobPk) {
        return tx.write("look at a job's failure budget", c -> PgWorkerJobs.haltIfOverBudget(c, jobPk)).isPresent();
    }

    /** The workers holding leases on items of active worker jobs (read-only, for operators). */
    public List<PgWorkerView.Holder> leaseHolders() {
        return tx.read("list lease holders", PgWorkerView::holders);
    }

    /** Up to {@code limit} unfinished items of active worker jobs whose lease expired at least once, most stalls first. */
    public List<PgWorkerView.Stalled> stalledItems(int limit) {
        return tx.read("list stalled items", c -> PgWorkerView.stalled(c, limit));
    }

    /** How many items of the job have FAILED. */
    public long failedCount(long jobPk) {
        return tx.read("count failed items", c -> PgWorkerJobs.failedCount(c, jobPk));
    }
}
