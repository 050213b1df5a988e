package dev.bulwark.ledger;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;
import dev.bulwark.NotFoundException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A ledger in memory: nothing survives the process. For tests, benchmarks and Java users who
 * keep their own records. Thread-safe (one lock).
 *
 * <p>Built for big jobs: items and attempts are kept in columns (arrays of primitives, in chunks)
 * rather than one object each, so a million items with their attempts take about 150 MB; the
 * items of each status are indexed, so claims, completions and counts cost the same whatever
 * the size of the job. An item's latest-attempt fields (times, failure, duration) are those of
 * its latest recorded attempt, so they are stored once, with the attempt.
 *
 * <p>Made of package-private parts, each used under this ledger's lock: the job records
 * ({@code MemoryJobs}), each job's table of items and attempts ({@code MemoryTable}, laid out in
 * {@code MemoryColumns}, with {@code MemoryAttempts}, {@code StatusSet} and
 * {@code MemoryOrderScopes}), the events ({@code MemoryEvents}), and the shared breakers
 * ({@link dev.bulwark.breaker.MemoryBreakerStore}).
 */
public final class MemoryLedger implements Ledger {
    private final MemoryJobs jobs = new MemoryJobs();
    private final Map<UUID, MemoryTable> tables = new HashMap<>();
    private final MemoryEvents events = new MemoryEvents();
    private final dev.bulwark.breaker.MemoryBreakerStore breakers = new dev.bulwark.breaker.MemoryBreakerStore();
    private long fences;

    @Override
    public synchronized void createJob(Job job) {
        jobs.create(job);
        tables.put(job.id(), new MemoryTable(job.id()));
        events.open(job.id());
    }

    @Override
    public synchronized void addItems(UUID jobId, List<NewItem> newItems) {
        Job job = job(jobId);
        MemoryTable t = tables.get(jobId);
        long last = t.size == 0 ? 0 : t.seq(t.size - 1);
        for (NewItem n : newItems) {
            if (n.seq() <= last) {
                throw new BulwarkException("item seq " + n.seq() + " must be greater than " + last);
            }
            last = n.seq();
        }
        for (NewItem n : newItems) {
            t.add(n);
        }
        jobs.put(job.withTotal(t.size));
    }

    @Override
    public synchronized Optional<Job> findJob(UUID jobId) {
        return jobs.find(jobId);
    }

    @Override
    public synchronized List<Job> listJobs(JobQuery query) {
        return jobs.list(query);
    }

    @Override
    public synchronized Job reviseConfig(UUID jobId, dev.bulwark.JobConfig config) {
        return jobs.reviseConfig(jobId, config);
    }

    @Override
    public synchronized Job transition(UUID jobId, JobStatus next, String reason, Instant at) {
        return jobs.transition(jobId, next, reason, at);
    }

    @Override
    public synchronized List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered, ScopeFilter scopes) {
        job(jobId);
        MemoryTable t = tables.get(jobId);
        if (limit < 1) {
            return List.of();
        }
        boolean all = scopes.isAll();
        if (ordered) {
            int lowest = t.lowestUnfinished();
            if (lowest < 0 || !t.isDue(lowest, now) || !(all || scopes.admits(t.scope(lowest)))) {
                return List.of();
            }
            return List.of(t.claim(lowest, now, ++fences));
        }
        if (t.orderedByScope()) {
            return t.claimScopeHeads(now, limit, scopes, () -> ++fences);
        }
        // Without a filter the lowest due items are the first ones; with one, the due retries
        // left out by it must not use up the limit.
        int[] due = t.dueRetries(now, all ? limit : Integer.MAX_VALUE);
        List<Item> claimed = new ArrayList<>(Math.min(limit, 64));
        int p = t.pending.first();
        int r = 0;
        while (claimed.size() < limit && (p >= 0 || r < due.length)) {
            int next;
            if (r < due.length && (p < 0 || due[r] < p)) {
                next = due[r++];
            } else {
                next = p;
                p = t.pending.next(p + 1);
            }
            if (all || scopes.admits(t.scope(next))) {
                claimed.add(t.claim(next, now, ++fences));
            }
        }
        return claimed;
    }

    @Override
    public synchronized void recordCompensation(Attempt a) {
        MemoryTable t = tables.get(a.jobId());
        int i = t == null ? -1 : t.indexOf(a.seq());
        if (i < 0) {
            throw new NotFoundException("item " + a.seq() + " of job " + a.jobId() + " not found");
        }
        t.status(i).checkCanBecome(ItemStatus.COMPENSATED, "item " + a.seq());
        Compensations.check(a, t.lastAttempt(i));
        t.compensate(i, a);
    }

    @Override
    public synchronized void reject(Rejection r) {
        MemoryTable t = tables.get(r.jobId());
        int i = t == null ? -1 : t.indexOf(r.seq());
        if (i < 0) {
            throw new NotFoundException("item " + r.seq() + " of job " + r.jobId() + " not found");
        }
        ItemStatus status = t.status(i);
        long fence = t.fence(i);
        if (status != ItemStatus.RUNNING || fence != r.fence()) {
            throw new StaleFenceException("item " + r.seq() + " of job " + r.jobId() + " is " + status
                    + " under fence " + fence + "; rejection with fence " + r.fence() + " refused");
        }
        t.reject(i, r);
    }

    @Override
    public synchronized Optional<Instant> nextDueAt(UUID jobId) {
        job(jobId);
        return Optional.ofNullable(tables.get(jobId).firstDue());
    }

    @Override
    public CompletableFuture<Void> complete(Completion completion) {
        try {
            synchronized (this) {
                applyCompletion(completion);
            }
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void applyCompletion(Completion c) {
        Attempt a = c.attempt();
        MemoryTable t = tables.get(a.jobId());
        int i = t == null ? -1 : t.indexOf(a.seq());
        if (i < 0) {
            throw new NotFoundException("item " + a.seq() + " of job " + a.jobId() + " not found");
        }
        ItemStatus status = t.status(i);
        long fence = t.fence(i);
        if (status != ItemStatus.RUNNING || fence != c.fence()) {
            throw new StaleFenceException("item " + a.seq() + " of job " + a.jobId() + " is " + status
                    + " under fence " + fence + "; completion with fence " + c.fence() + " rejected");
        }
        if (!status.canBecome(c.next())) {
            status.checkCanBecome(c.next(), "item " + a.seq());
        }
        t.complete(i, c);
    }

    @Override
    public synchronized CompletableFuture<Void> appendEvent(EngineEvent event) {
        events.append(event);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void flush() {
    }

    @Override
    public synchronized int recoverInterrupted(UUID jobId, Instant now, String worker) {
        job(jobId);
        MemoryTable t = tables.get(jobId);
        int recovered = 0;
        for (int i : t.running.toArray()) {
            Item item = t.item(i);
            Instant started = item.startedAt() == null ? now : item.startedAt();
            Attempt a = new Attempt(jobId, item.seq(), item.lastAttempt(), started, now, AttemptOutcome.INTERRUPTED,
                    null, "crash", "the worker stopped before the attempt finished", null,
                    Math.max(0, now.toEpochMilli() - started.toEpochMilli()), worker, item.logPath());
            applyCompletion(Completion.of(a, item.fence(), ItemStatus.PENDING));
            recovered++;
        }
        return recovered;
    }

    @Override
    public synchronized long skipRemaining(UUID jobId, Instant now) {
        job(jobId);
        MemoryTable t = tables.get(jobId);
        int[] waiting = t.retry.toArray();
        int[] pending = t.pending.toArray();
        for (int i : waiting) {
            t.setState(i, ItemStatus.SKIPPED, t.attempts(i), t.interruptions(i));
        }
        for (int i : pending) {
            t.setState(i, ItemStatus.SKIPPED, t.attempts(i), t.interruptions(i));
        }
        return waiting.length + pending.length;
    }

    @Override
    public synchronized List<FinishedInterval> finishedOverTime(UUID jobId, Instant from, java.time.Duration width) {
        job(jobId);
        MemoryTable t = tables.get(jobId);
        java.util.TreeMap<Long, long[]> byInterval = new java.util.TreeMap<>();
        for (int i = 0; i < t.size; i++) {
            ItemStatus status = t.status(i);
            if (status == ItemStatus.SUCCEEDED || status == ItemStatus.FAILED) {
                Instant finished = t.item(i).finishedAt();
                if (finished != null && !finished.isBefore(from)) {
                    long index = java.time.Duration.between(from, finished).toMillis() / width.toMillis();
                    byInterval.computeIfAbsent(index, k -> new long[2])[status == ItemStatus.SUCCEEDED ? 0 : 1]++;
                }
            }
        }
        List<FinishedInterval> out = new ArrayList<>();
        byInterval.forEach((index, n) -> out.add(new FinishedInterval(index, n[0], n[1])));
        return out;
    }

    @Override
    public synchronized boolean reopenItem(UUID jobId, long seq) {
        job(jobId);
        MemoryTable t = tables.get(jobId);
        int i = t.indexOf(seq);
        if (i < 0 || (t.status(i) != ItemStatus.FAILED && t.status(i) != ItemStatus.SKIPPED)) {
            return false;
        }
        t.setState(i, ItemStatus.PENDING, 0, t.interruptions(i));
        return true;
    }

    @Override
    public synchronized long reopen(UUID jobId, ItemStatus from) {
        job(jobId);
        if (from != ItemStatus.FAILED && from != ItemStatus.SKIPPED) {
            throw new IllegalArgumentException("only FAILED or SKIPPED items can be re-opened, not " + from);
        }
        MemoryTable t = tables.get(jobId);
        long reopened = 0;
        for (int i = 0; i < t.size; i++) {
            if (t.status(i) == from) {
                t.setState(i, ItemStatus.PENDING, 0, t.interruptions(i));
                reopened++;
            }
        }
        return reopened;
    }

    @Override
    public synchronized JobCounts counts(UUID jobId) {
        job(jobId);
        return tables.get(jobId).counts();
    }

    @Override
    public synchronized Optional<Item> findItem(UUID jobId, long seq) {
        MemoryTable t = tables.get(jobId);
        int i = t == null ? -1 : t.indexOf(seq);
        return i < 0 ? Optional.empty() : Optional.of(t.item(i));
    }

    @Override
    public synchronized List<Item> items(UUID jobId, ItemQuery query) {
        job(jobId);
        MemoryTable t = tables.get(jobId);
        List<Item> page = new ArrayList<>();
        for (int i = t.firstAfter(query.afterSeq()); i < t.size && page.size() < query.limit(); i++) {
            if (query.statuses().isEmpty() || query.statuses().contains(t.status(i))) {
                page.add(t.item(i));
            }
        }
        return page;
    }

    @Override
    public synchronized List<Attempt> attempts(UUID jobId, long seq) {
        job(jobId);
        MemoryTable t = tables.get(jobId);
        int i = t.indexOf(seq);
        return i < 0 ? List.of() : t.history(i);
    }

    @Override
    public synchronized List<EngineEvent> events(UUID jobId, int limit) {
        job(jobId);
        return events.list(jobId, limit);
    }

    @Override
    public synchronized List<UUID> prune(Instant finishedBefore, boolean keepFailed) {
        List<UUID> pruned = new ArrayList<>();
        for (Job job : jobs.all()) {
            boolean failedKind = job.status() == JobStatus.FAILED || job.status() == JobStatus.PARTIAL;
            if (job.status().isFinal() && job.finishedAt() != null && job.finishedAt().isBefore(finishedBefore)
                    && !(keepFailed && failedKind)) {
                jobs.remove(job.id());
                tables.remove(job.id());
                events.remove(job.id());
                pruned.add(job.id());
            }
        }
        return pruned;
    }

    @Override
    public synchronized boolean delete(UUID jobId) {
        Job job = jobs.get(jobId);
        if (job == null) {
            return false;
        }
        if (!job.status().isFinal()) {
            throw new dev.bulwark.InvalidTransitionException("job " + jobId, job.status().name(), "deleted");
        }
        jobs.remove(jobId);
        tables.remove(jobId);
        events.remove(jobId);
        return true;
    }

    /** The shared breakers of this ledger: in this process, for every job and named breaker on it. */
    @Override
    public dev.bulwark.breaker.BreakerStore breakers() {
        return breakers;
    }

    @Override
    public void close() {
    }

    private Job job(UUID jobId) {
        return jobs.job(jobId);
    }
}
