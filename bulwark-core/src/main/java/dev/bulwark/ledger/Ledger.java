package dev.bulwark.ledger;

import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;
import dev.bulwark.Attempt;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The durable store of jobs, items, attempts and events: the single source of truth.
 *
 * <p>Every implementation passes the same contract suite ({@code LedgerContract} in the core
 * test-jar). Implementations are thread-safe. Every method but {@link #complete} and
 * {@link #appendEvent} is durable when it returns; those two are group-committed and their
 * future completes only once the write is durable, and an outcome counts as recorded only then.
 * Status changes follow the tables of {@link JobStatus} and {@link dev.bulwark.ItemStatus};
 * any other change throws {@link dev.bulwark.InvalidTransitionException} and writes nothing.
 */
public interface Ledger extends AutoCloseable {

    /** Stores a new job (normally QUEUED with total 0). Throws if the id exists. */
    void createJob(Job job);

    /**
     * Adds items to a job and raises its total; durable on return. Items come in increasing
     * {@code seq} order, continuing the job's existing items. Callers stream large inputs in
     * batches of a few thousand.
     */
    void addItems(UUID jobId, List<NewItem> items);

    Optional<Job> findJob(UUID jobId);

    /** Jobs newest first. */
    List<Job> listJobs(JobQuery query);

    /**
     * Changes a job's status (checked against the table), sets its reason, and its start or
     * finish time. Returns the job as stored. Throws {@link dev.bulwark.NotFoundException} for an
     * unknown job.
     */
    Job transition(UUID jobId, JobStatus next, String reason, Instant at);

    /**
     * Replaces the job's configuration snapshot with a new revision (a rerun with other run
     * policies); the caller records why in the job's events. Throws {@code NotFoundException} for an
     * unknown job. Durable on return.
     */
    Job reviseConfig(UUID jobId, dev.bulwark.JobConfig config);

    /**
     * Claims up to {@code limit} due items of a job in sequence order: PENDING items, and
     * RETRY_WAIT items whose due time is at or before {@code now}. Each becomes RUNNING with
     * {@code startedAt = now}, {@code lastAttempt + 1} and a new fencing token. With
     * {@code ordered}, at most the single lowest-sequence item without a final outcome is
     * claimed, and only if it is due and not already RUNNING. Durable on return.
     */
    default List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered) {
        return claim(jobId, now, limit, ordered, ScopeFilter.ALL);
    }

    /**
     * Like {@link #claim(UUID, Instant, int, boolean)}, taking only items whose scope the filter
     * admits; the others keep their place. With {@code ordered}, nothing is claimed when the lowest
     * item without a final outcome is not admitted.
     */
    List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered, ScopeFilter scopes);

    /**
     * Gives back a claimed item that a circuit breaker rejected before it ran (see
     * {@link Rejection}): no attempt is recorded and {@code lastAttempt} goes back by one. Throws
     * {@link StaleFenceException} if the item is not RUNNING under that fence. Durable on return.
     */
    void reject(Rejection rejection);

    /** The earliest due time of the job's RETRY_WAIT items, if any. */
    Optional<Instant> nextDueAt(UUID jobId);

    /**
     * Records the end of an attempt, group-committed: inserts the attempt row and moves the item
     * from RUNNING to {@code next} (finished attempts raise {@code attempts}, interrupted ones
     * raise {@code interruptions}; failure fields are copied from the attempt; a SUCCEEDED completion's
     * {@link Completion#result() result} is stored with the item and kept from then on). The future fails
     * with {@link StaleFenceException} if the item is not RUNNING under that fence, or with
     * {@link dev.bulwark.InvalidTransitionException}; in both cases nothing is written.
     */
    CompletableFuture<Void> complete(Completion completion);

    /**
     * Records the compensation (rollback) of a SUCCEEDED item as an attempt of its own, numbered
     * after its latest one: an attempt with outcome COMPENSATED makes the item COMPENSATED, one
     * with COMPENSATION_FAILED leaves it SUCCEEDED. Throws
     * {@link dev.bulwark.InvalidTransitionException} if the item is not SUCCEEDED, and
     * {@link IllegalArgumentException} for another outcome or number; nothing is written then.
     * Durable on return.
     */
    void recordCompensation(Attempt attempt);

    /** Appends an engine event, group-committed like {@link #complete}. */
    CompletableFuture<Void> appendEvent(EngineEvent event);

    /** Waits until every group-committed write issued before this call is durable. */
    void flush();

    /**
     * After a crash: every RUNNING item of the job gets an INTERRUPTED attempt (started at its
     * {@code startedAt}, finished at {@code now}, category {@code crash}) and becomes PENDING.
     * Returns how many items were recovered. Durable on return.
     */
    int recoverInterrupted(UUID jobId, Instant now, String worker);

    /** PENDING and RETRY_WAIT items become SKIPPED (cancel, halt). Returns how many. Durable on return. */
    long skipRemaining(UUID jobId, Instant now);

    /**
     * Re-opens items for another round: FAILED (retry-failed) or SKIPPED (resume of a halted job)
     * items become PENDING with {@code attempts} back at 0; attempt numbers go on. Returns how many.
     */
    long reopen(UUID jobId, dev.bulwark.ItemStatus from);

    /**
     * Re-opens one item ({@code retry JOB SEQ}): if it is FAILED or SKIPPED it becomes PENDING with
     * {@code attempts} back at 0 (attempt numbers go on), and true is returned; an item in any
     * other state, or a missing one, is left alone and false is returned. Durable on return.
     */
    boolean reopenItem(UUID jobId, long seq);

    /**
     * The job's items that are SUCCEEDED or FAILED, counted by when they finished, per interval of
     * {@code width} from {@code from} (items that finished earlier are left out): the intervals
     * that have any, in order. Reads every finished item of the job once (a throughput chart).
     */
    List<FinishedInterval> finishedOverTime(UUID jobId, Instant from, java.time.Duration width);

    /** Items by status, plus retries (finished attempts beyond each item's first) and interruptions. */
    JobCounts counts(UUID jobId);

    Optional<Item> findItem(UUID jobId, long seq);

    /** A page of items in sequence order. */
    List<Item> items(UUID jobId, ItemQuery query);

    /** Every attempt of an item, oldest first. */
    List<Attempt> attempts(UUID jobId, long seq);

    /** Kept events of a job, oldest first. */
    List<EngineEvent> events(UUID jobId, int limit);

    /**
     * The ledger's named, shared circuit breakers ({@code --breaker-shared}, {@code NamedBreaker}),
     * shared by every job and process on this ledger. The default: none (throws
     * {@link UnsupportedOperationException}).
     */
    default dev.bulwark.breaker.BreakerStore breakers() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no shared breakers");
    }

    /**
     * Deletes finished jobs (with their items, attempts and events) that finished before
     * {@code finishedBefore}; with {@code keepFailed}, FAILED and PARTIAL jobs stay. Returns the ids deleted.
     */
    List<UUID> prune(Instant finishedBefore, boolean keepFailed);

    /**
     * Deletes one finished job (COMPLETED, PARTIAL, FAILED or CANCELLED) with its items, attempts
     * and events. Returns false when there is no such job; throws
     * {@link dev.bulwark.InvalidTransitionException} for a job that is not finished. The default
     * implementation supports nothing (a ledger that has not implemented it yet).
     */
    default boolean delete(UUID jobId) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot delete single jobs yet; use prune");
    }

    /** Flushes pending writes and releases resources. */
    @Override
    void close();
}
