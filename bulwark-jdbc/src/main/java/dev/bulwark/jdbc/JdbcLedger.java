package dev.bulwark.jdbc;

import dev.bulwark.Attempt;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;
import dev.bulwark.jdbc.internal.GroupCommitter;
import dev.bulwark.jdbc.internal.Tables;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.NewItem;
import dev.bulwark.ledger.Rejection;
import dev.bulwark.ledger.ScopeFilter;
import dev.bulwark.util.Json;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link Ledger} of both JDBC ledgers, written once over the tables of the JDBC layer. A
 * ledger says how work reaches its tables ({@link #read}, {@link #write}) and which group
 * committer records outcomes and events; everything else is here.
 */
abstract class JdbcLedger implements Ledger {
    /** Runs reading {@code work} (a phrase like "list jobs" for messages) and returns its result. */
    abstract <T> T read(String what, Tables.Work<T> work);

    /** Runs writing {@code work} in one transaction and returns its result once committed. */
    abstract <T> T write(String what, Tables.Work<T> work);

    /** Throws when the ledger cannot take writes (closed, or opened read-only). */
    abstract void checkWritable(String what);

    /** The group committer of outcomes and events. */
    abstract GroupCommitter writer();

    /**
     * Called as a ledger ends opening: the JSON of job configurations and events (written as a job
     * is created, read back as it runs) is made ready, so the first job does not wait for it.
     */
    static void prepareJson() {
        Json.prepare(JobConfig.builder().build(), new EngineEvent.ItemsFound(new UUID(0, 0), Instant.EPOCH, 0));
    }

    @Override
    public void createJob(Job job) {
        Objects.requireNonNull(job, "job");
        write("create a job", t -> {
            t.jobs().create(job);
            return null;
        });
    }

    @Override
    public void addItems(UUID jobId, List<NewItem> items) {
        write("add items", t -> {
            t.items().add(jobId, items);
            return null;
        });
    }

    @Override
    public Optional<Job> findJob(UUID jobId) {
        return read("find a job", t -> t.jobs().find(jobId));
    }

    @Override
    public List<Job> listJobs(JobQuery query) {
        return read("list jobs", t -> t.jobs().list(query));
    }

    @Override
    public Job reviseConfig(UUID jobId, dev.bulwark.JobConfig config) {
        return write("revise a job's configuration", t -> t.jobs().reviseConfig(jobId, config));
    }

    @Override
    public List<dev.bulwark.ledger.FinishedInterval> finishedOverTime(UUID jobId, Instant from, java.time.Duration width) {
        return read("count finished items", t -> t.items().finishedOverTime(jobId, from, width));
    }

    @Override
    public boolean reopenItem(UUID jobId, long seq) {
        return write("re-open an item", t -> t.items().reopenItem(jobId, seq));
    }

    @Override
    public Job transition(UUID jobId, JobStatus next, String reason, Instant at) {
        return write("change a job's status", t -> t.jobs().transition(jobId, next, reason, at));
    }

    @Override
    public List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered, ScopeFilter scopes) {
        return write("claim items", t -> t.items().claim(jobId, now, limit, ordered, scopes));
    }

    @Override
    public void recordCompensation(Attempt attempt) {
        write("record a compensation", t -> {
            t.items().recordCompensation(attempt);
            return null;
        });
    }

    @Override
    public void reject(Rejection rejection) {
        write("give back a rejected item", t -> {
            t.items().reject(rejection);
            return null;
        });
    }

    @Override
    public Optional<Instant> nextDueAt(UUID jobId) {
        return read("find the next due retry", t -> t.items().nextDueAt(jobId));
    }

    @Override
    public CompletableFuture<Void> complete(Completion completion) {
        checkWritable("record an outcome");
        return writer().complete(completion);
    }

    @Override
    public CompletableFuture<Void> appendEvent(EngineEvent event) {
        checkWritable("append an event");
        return writer().appendEvent(event);
    }

    @Override
    public void flush() {
        writer().flush();
    }

    /**
     * Crash recovery of one process: every RUNNING item of the job, whoever claimed it, gets an
     * INTERRUPTED attempt and becomes PENDING. With several workers on one job of a shared ledger
     * this would also interrupt the items of live workers: there, expired leases are reclaimed instead.
     */
    @Override
    public int recoverInterrupted(UUID jobId, Instant now, String worker) {
        return write("recover interrupted items", t -> t.items().recoverInterrupted(jobId, now, worker));
    }

    @Override
    public long skipRemaining(UUID jobId, Instant now) {
        return write("skip items", t -> t.items().skipRemaining(jobId));
    }

    @Override
    public long reopen(UUID jobId, ItemStatus from) {
        return write("re-open items", t -> t.items().reopen(jobId, from));
    }

    @Override
    public JobCounts counts(UUID jobId) {
        return read("count items", t -> t.items().counts(jobId));
    }

    @Override
    public Optional<Item> findItem(UUID jobId, long seq) {
        return read("find an item", t -> t.items().find(jobId, seq));
    }

    @Override
    public List<Item> items(UUID jobId, ItemQuery query) {
        return read("list items", t -> t.items().page(jobId, query));
    }

    @Override
    public List<Attempt> attempts(UUID jobId, long seq) {
        return read("list attempts", t -> t.items().attempts(jobId, seq));
    }

    @Override
    public List<EngineEvent> events(UUID jobId, int limit) {
        return read("list events", t -> t.jobs().events(jobId, limit));
    }

    @Override
    public List<UUID> prune(Instant finishedBefore, boolean keepFailed) {
        return write("prune jobs", t -> t.jobs().prune(finishedBefore, keepFailed));
    }

    @Override
    public boolean delete(UUID jobId) {
        return write("delete a job", t -> t.jobs().delete(jobId));
    }
}
