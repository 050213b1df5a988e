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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A ledger in memory: nothing survives the process. For tests, benchmarks and Java users who
 * keep their own records. Thread-safe (one lock).
 */
public final class MemoryLedger implements Ledger {
    private final Map<UUID, Job> jobs = new LinkedHashMap<>();
    private final Map<UUID, TreeMap<Long, Item>> items = new HashMap<>();
    private final Map<UUID, Map<Long, List<Attempt>>> attempts = new HashMap<>();
    private final Map<UUID, List<EngineEvent>> events = new HashMap<>();
    private long fences;

    @Override
    public synchronized void createJob(Job job) {
        if (jobs.containsKey(job.id())) {
            throw new BulwarkException("job " + job.id() + " already exists");
        }
        jobs.put(job.id(), job);
        items.put(job.id(), new TreeMap<>());
        attempts.put(job.id(), new HashMap<>());
        events.put(job.id(), new ArrayList<>());
    }

    @Override
    public synchronized void addItems(UUID jobId, List<NewItem> newItems) {
        Job job = job(jobId);
        TreeMap<Long, Item> jobItems = items.get(jobId);
        long last = jobItems.isEmpty() ? 0 : jobItems.lastKey();
        for (NewItem n : newItems) {
            if (n.seq() <= last) {
                throw new BulwarkException("item seq " + n.seq() + " must be greater than " + last);
            }
            last = n.seq();
        }
        for (NewItem n : newItems) {
            jobItems.put(n.seq(), new Item(jobId, n.seq(), n.key(), n.payload(), n.scope(), ItemStatus.PENDING,
                    0, 0, 0, 0, null, null, null, null, null, null, null, null, null));
        }
        jobs.put(jobId, job.withTotal(jobItems.size()));
    }

    @Override
    public synchronized Optional<Job> findJob(UUID jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public synchronized List<Job> listJobs(JobQuery query) {
        return jobs.values().stream()
                .filter(j -> query.statuses().isEmpty() || query.statuses().contains(j.status()))
                .sorted(Comparator.comparing(Job::createdAt).reversed())
                .limit(query.limit())
                .toList();
    }

    @Override
    public synchronized Job transition(UUID jobId, JobStatus next, String reason, Instant at) {
        Job job = job(jobId);
        job.status().checkCanBecome(next, "job " + jobId);
        Job changed = job.withStatus(next, reason, at);
        jobs.put(jobId, changed);
        return changed;
    }

    @Override
    public synchronized List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered) {
        job(jobId);
        List<Item> claimed = new ArrayList<>();
        for (Item item : items.get(jobId).values()) {
            if (claimed.size() >= limit) {
                break;
            }
            if (ordered && !item.status().isFinal() && !isDue(item, now)) {
                break;
            }
            if (isDue(item, now)) {
                Item running = new Item(jobId, item.seq(), item.key(), item.payload(), item.scope(), ItemStatus.RUNNING,
                        item.attempts(), item.interruptions(), item.lastAttempt() + 1, ++fences, null, now, null,
                        item.errorClass(), item.category(), item.message(), item.exitCode(), item.durationMs(), item.logPath());
                items.get(jobId).put(item.seq(), running);
                claimed.add(running);
                if (ordered) {
                    break;
                }
            }
        }
        return claimed;
    }

    private static boolean isDue(Item item, Instant now) {
        return item.status() == ItemStatus.PENDING
                || (item.status() == ItemStatus.RETRY_WAIT && !item.nextAttemptAt().isAfter(now));
    }

    @Override
    public synchronized Optional<Instant> nextDueAt(UUID jobId) {
        job(jobId);
        return items.get(jobId).values().stream()
                .filter(i -> i.status() == ItemStatus.RETRY_WAIT)
                .map(Item::nextAttemptAt)
                .min(Comparator.naturalOrder());
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
        Item item = items.getOrDefault(a.jobId(), new TreeMap<>()).get(a.seq());
        if (item == null) {
            throw new NotFoundException("item " + a.seq() + " of job " + a.jobId() + " not found");
        }
        if (item.status() != ItemStatus.RUNNING || item.fence() != c.fence()) {
            throw new StaleFenceException("item " + a.seq() + " of job " + a.jobId() + " is " + item.status()
                    + " under fence " + item.fence() + "; completion with fence " + c.fence() + " rejected");
        }
        item.status().checkCanBecome(c.next(), "item " + a.seq());
        boolean interrupted = a.outcome() == AttemptOutcome.INTERRUPTED;
        Item done = new Item(item.jobId(), item.seq(), item.key(), item.payload(), item.scope(), c.next(),
                item.attempts() + (interrupted ? 0 : 1), item.interruptions() + (interrupted ? 1 : 0), item.lastAttempt(),
                item.fence(), c.nextAttemptAt(), a.startedAt(), a.finishedAt(), a.errorClass(), a.category(), a.message(),
                a.exitCode(), a.durationMs(), a.logPath() != null ? a.logPath() : item.logPath());
        items.get(a.jobId()).put(a.seq(), done);
        attempts.get(a.jobId()).computeIfAbsent(a.seq(), k -> new ArrayList<>()).add(a);
    }

    @Override
    public synchronized CompletableFuture<Void> appendEvent(EngineEvent event) {
        List<EngineEvent> list = events.get(event.jobId());
        if (list != null && event.kept()) {
            list.add(event);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void flush() {
    }

    @Override
    public synchronized int recoverInterrupted(UUID jobId, Instant now, String worker) {
        job(jobId);
        int recovered = 0;
        for (Item item : List.copyOf(items.get(jobId).values())) {
            if (item.status() == ItemStatus.RUNNING) {
                Instant started = item.startedAt() == null ? now : item.startedAt();
                Attempt a = new Attempt(jobId, item.seq(), item.lastAttempt(), started, now, AttemptOutcome.INTERRUPTED,
                        null, "crash", "the worker stopped before the attempt finished", null,
                        Math.max(0, now.toEpochMilli() - started.toEpochMilli()), worker, item.logPath());
                applyCompletion(Completion.of(a, item.fence(), ItemStatus.PENDING));
                recovered++;
            }
        }
        return recovered;
    }

    @Override
    public synchronized long skipRemaining(UUID jobId, Instant now) {
        job(jobId);
        long skipped = 0;
        for (Item item : List.copyOf(items.get(jobId).values())) {
            if (item.status() == ItemStatus.PENDING || item.status() == ItemStatus.RETRY_WAIT) {
                items.get(jobId).put(item.seq(), withStatus(item, ItemStatus.SKIPPED, item.attempts()));
                skipped++;
            }
        }
        return skipped;
    }

    @Override
    public synchronized long reopen(UUID jobId, ItemStatus from) {
        job(jobId);
        if (from != ItemStatus.FAILED && from != ItemStatus.SKIPPED) {
            throw new IllegalArgumentException("only FAILED or SKIPPED items can be re-opened, not " + from);
        }
        long reopened = 0;
        for (Item item : List.copyOf(items.get(jobId).values())) {
            if (item.status() == from) {
                items.get(jobId).put(item.seq(), withStatus(item, ItemStatus.PENDING, 0));
                reopened++;
            }
        }
        return reopened;
    }

    private static Item withStatus(Item i, ItemStatus next, int attemptsNow) {
        i.status().checkCanBecome(next, "item " + i.seq());
        return new Item(i.jobId(), i.seq(), i.key(), i.payload(), i.scope(), next, attemptsNow, i.interruptions(),
                i.lastAttempt(), i.fence(), null, i.startedAt(), i.finishedAt(), i.errorClass(), i.category(),
                i.message(), i.exitCode(), i.durationMs(), i.logPath());
    }

    @Override
    public synchronized JobCounts counts(UUID jobId) {
        job(jobId);
        long[] byStatus = new long[ItemStatus.values().length];
        long retries = 0;
        long interruptions = 0;
        for (Item i : items.get(jobId).values()) {
            byStatus[i.status().ordinal()]++;
            retries += Math.max(0, i.attempts() - 1);
            interruptions += i.interruptions();
        }
        return new JobCounts(items.get(jobId).size(), byStatus[ItemStatus.PENDING.ordinal()],
                byStatus[ItemStatus.RUNNING.ordinal()], byStatus[ItemStatus.RETRY_WAIT.ordinal()],
                byStatus[ItemStatus.SUCCEEDED.ordinal()], byStatus[ItemStatus.FAILED.ordinal()],
                byStatus[ItemStatus.SKIPPED.ordinal()], retries, interruptions);
    }

    @Override
    public synchronized Optional<Item> findItem(UUID jobId, long seq) {
        return Optional.ofNullable(items.getOrDefault(jobId, new TreeMap<>()).get(seq));
    }

    @Override
    public synchronized List<Item> items(UUID jobId, ItemQuery query) {
        job(jobId);
        return items.get(jobId).tailMap(query.afterSeq(), false).values().stream()
                .filter(i -> query.statuses().isEmpty() || query.statuses().contains(i.status()))
                .limit(query.limit())
                .toList();
    }

    @Override
    public synchronized List<Attempt> attempts(UUID jobId, long seq) {
        job(jobId);
        return List.copyOf(attempts.get(jobId).getOrDefault(seq, List.of()));
    }

    @Override
    public synchronized List<EngineEvent> events(UUID jobId, int limit) {
        job(jobId);
        return events.get(jobId).stream().limit(limit).toList();
    }

    @Override
    public synchronized List<UUID> prune(Instant finishedBefore, boolean keepFailed) {
        List<UUID> pruned = new ArrayList<>();
        for (Job job : List.copyOf(jobs.values())) {
            boolean failedKind = job.status() == JobStatus.FAILED || job.status() == JobStatus.PARTIAL;
            if (job.status().isFinal() && job.finishedAt() != null && job.finishedAt().isBefore(finishedBefore)
                    && !(keepFailed && failedKind)) {
                jobs.remove(job.id());
                items.remove(job.id());
                attempts.remove(job.id());
                events.remove(job.id());
                pruned.add(job.id());
            }
        }
        return pruned;
    }

    @Override
    public void close() {
    }

    private Job job(UUID jobId) {
        Job job = jobs.get(jobId);
        if (job == null) {
            throw new NotFoundException("job " + jobId + " not found");
        }
        return job;
    }
}
