package dev.bulwark.ledger;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;
import dev.bulwark.NotFoundException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
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
 */
public final class MemoryLedger implements Ledger {
    private final Map<UUID, Job> jobs = new LinkedHashMap<>();
    private final Map<UUID, Table> tables = new HashMap<>();
    private final Map<UUID, List<EngineEvent>> events = new HashMap<>();
    private final dev.bulwark.breaker.MemoryBreakerStore breakers = new dev.bulwark.breaker.MemoryBreakerStore();
    private long fences;

    @Override
    public synchronized void createJob(Job job) {
        if (jobs.containsKey(job.id())) {
            throw new BulwarkException("job " + job.id() + " already exists");
        }
        jobs.put(job.id(), job);
        tables.put(job.id(), new Table(job.id()));
        events.put(job.id(), new ArrayList<>());
    }

    @Override
    public synchronized void addItems(UUID jobId, List<NewItem> newItems) {
        Job job = job(jobId);
        Table t = tables.get(jobId);
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
        jobs.put(jobId, job.withTotal(t.size));
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
    public synchronized Job reviseConfig(UUID jobId, dev.bulwark.JobConfig config) {
        Job changed = job(jobId).withConfig(config);
        jobs.put(jobId, changed);
        return changed;
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
    public synchronized List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered, ScopeFilter scopes) {
        job(jobId);
        Table t = tables.get(jobId);
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
        Table t = tables.get(a.jobId());
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
        Table t = tables.get(r.jobId());
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
        TreeSet<Due> retries = tables.get(jobId).retryByDue;
        return retries.isEmpty() ? Optional.empty() : Optional.of(retries.first().at());
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
        Table t = tables.get(a.jobId());
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
        Table t = tables.get(jobId);
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
        Table t = tables.get(jobId);
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
        Table t = tables.get(jobId);
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
        Table t = tables.get(jobId);
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
        Table t = tables.get(jobId);
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
        Table t = tables.get(jobId);
        int i = t == null ? -1 : t.indexOf(seq);
        return i < 0 ? Optional.empty() : Optional.of(t.item(i));
    }

    @Override
    public synchronized List<Item> items(UUID jobId, ItemQuery query) {
        job(jobId);
        Table t = tables.get(jobId);
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
        Table t = tables.get(jobId);
        int i = t.indexOf(seq);
        return i < 0 ? List.of() : t.history(i);
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
        Job job = jobs.get(jobId);
        if (job == null) {
            throw new NotFoundException("job " + jobId + " not found");
        }
        return job;
    }

    // ---- storage ------------------------------------------------------------------------------

    private static final int SHIFT = 12;
    private static final int CHUNK = 1 << SHIFT;
    private static final int MASK = CHUNK - 1;
    private static final ItemStatus[] STATUSES = ItemStatus.values();
    private static final AttemptOutcome[] OUTCOMES = AttemptOutcome.values();
    private static final ErrorClass[] ERROR_CLASSES = ErrorClass.values();
    /** Marks a missing instant in a nanos column. */
    private static final int NO_TIME = -1;

    /** A retry's due time, ordered by time and then by item. */
    private record Due(Instant at, int index) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Integer.compare(index, o.index);
        }
    }

    /** The items of one status, by index, with a cursor below which none is set. */
    private static final class StatusSet {
        private final BitSet bits = new BitSet();
        private int low;

        void add(int i) {
            bits.set(i);
            low = Math.min(low, i);
        }

        void remove(int i) {
            bits.clear(i);
        }

        /** The lowest index in the set, or -1. */
        int first() {
            int f = bits.nextSetBit(low);
            low = f < 0 ? bits.length() : f;
            return f;
        }

        /** The lowest index at or after {@code from}, or -1. */
        int next(int from) {
            return bits.nextSetBit(from);
        }

        int[] toArray() {
            int[] out = new int[bits.cardinality()];
            int k = 0;
            for (int i = first(); i >= 0; i = bits.nextSetBit(i + 1)) {
                out[k++] = i;
            }
            return out;
        }
    }

    /** Columns of up to {@link #CHUNK} items. Optional columns stay null until a value is stored. */
    private static final class ItemChunk {
        final long[] seq = new long[CHUNK];
        final String[] key = new String[CHUNK];
        String[] payload;
        String[] scope;
        /** Order scopes ({@link NewItem#orderKey()}), null unless the job is ordered by scope. */
        String[] orderKey;
        String[] logPath;
        /** What the handler returned for a SUCCEEDED item ({@link Item#result()}). */
        String[] result;
        final byte[] status = new byte[CHUNK];
        final int[] attempts = new int[CHUNK];
        final int[] interruptions = new int[CHUNK];
        final int[] lastAttempt = new int[CHUNK];
        final long[] fence = new long[CHUNK];
        /** Row of the latest attempt in the job's attempt columns, or -1. */
        final int[] lastRow = new int[CHUNK];
    }

    /** Columns of up to {@link #CHUNK} attempts. */
    private static final class AttemptChunk {
        final int[] number = new int[CHUNK];
        /** Row of the item's attempt before this one, or -1. */
        final int[] previous = new int[CHUNK];
        final long[] startSec = new long[CHUNK];
        final int[] startNano = new int[CHUNK];
        final long[] endSec = new long[CHUNK];
        final int[] endNano = new int[CHUNK];
        final long[] durationMs = new long[CHUNK];
        final byte[] outcome = new byte[CHUNK];
        /** ErrorClass ordinal + 1, or 0 for none. */
        final byte[] errorClass = new byte[CHUNK];
        final String[] worker = new String[CHUNK];
        String[] category;
        String[] message;
        String[] logPath;
        Integer[] exitCode;
    }

    /** The items and attempts of one job. Not thread-safe: used under the ledger's lock. */
    private static final class Table {
        final UUID jobId;
        ItemChunk[] items = new ItemChunk[1];
        AttemptChunk[] attemptRows = new AttemptChunk[1];
        int size;
        int attemptCount;
        /** Whether sequence numbers are consecutive, so an item's index is {@code seq - firstSeq}. */
        boolean consecutive = true;
        long firstSeq;

        final StatusSet pending = new StatusSet();
        final StatusSet running = new StatusSet();
        final StatusSet retry = new StatusSet();
        final TreeSet<Due> retryByDue = new TreeSet<>();
        /** nextAttemptAt, for the items that have one. */
        final Map<Integer, Instant> nextAttemptAt = new HashMap<>();
        /** Items a breaker failed without an attempt, with the rejection that says why. */
        final Map<Integer, Rejection> rejected = new HashMap<>();
        /** startedAt of RUNNING items (the time of the claim). */
        final Map<Integer, Instant> runningSince = new HashMap<>();
        final long[] byStatus = new long[STATUSES.length];
        /**
         * Ordered by scope: the items without a final outcome of each order scope, and the lowest of
         * each (the scope's head: the only one of the scope that may be claimed).
         */
        final Map<String, TreeSet<Integer>> openByOrderKey = new HashMap<>();
        final BitSet orderHeads = new BitSet();
        boolean orderKeys;
        long retries;
        long interruptionCount;

        Table(UUID jobId) {
            this.jobId = jobId;
        }

        // -- items

        void add(NewItem n) {
            int i = size;
            if (i == 0) {
                firstSeq = n.seq();
            } else if (n.seq() != firstSeq + i) {
                consecutive = false;
            }
            int c = i >>> SHIFT;
            if (c == items.length) {
                items = Arrays.copyOf(items, c * 2);
            }
            if (items[c] == null) {
                items[c] = new ItemChunk();
            }
            ItemChunk ch = items[c];
            int j = i & MASK;
            ch.seq[j] = n.seq();
            ch.key[j] = n.key();
            if (n.payload() != null) {
                (ch.payload == null ? ch.payload = new String[CHUNK] : ch.payload)[j] = n.payload();
            }
            if (n.scope() != null) {
                (ch.scope == null ? ch.scope = new String[CHUNK] : ch.scope)[j] = n.scope();
            }
            if (n.orderKey() != null) {
                (ch.orderKey == null ? ch.orderKey = new String[CHUNK] : ch.orderKey)[j] = n.orderKey();
                orderKeys = true;
            }
            ch.status[j] = (byte) ItemStatus.PENDING.ordinal();
            ch.lastRow[j] = -1;
            size++;
            pending.add(i);
            orderOpen(i, true);
            byStatus[ItemStatus.PENDING.ordinal()]++;
        }

        long seq(int i) {
            return items[i >>> SHIFT].seq[i & MASK];
        }

        ItemStatus status(int i) {
            return STATUSES[items[i >>> SHIFT].status[i & MASK]];
        }

        int attempts(int i) {
            return items[i >>> SHIFT].attempts[i & MASK];
        }

        int interruptions(int i) {
            return items[i >>> SHIFT].interruptions[i & MASK];
        }

        long fence(int i) {
            return items[i >>> SHIFT].fence[i & MASK];
        }

        /** The index of the item with {@code seq}, or -1. */
        int indexOf(long seq) {
            if (consecutive) {
                long i = seq - firstSeq;
                return size > 0 && i >= 0 && i < size ? (int) i : -1;
            }
            int lo = 0;
            int hi = size - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                long s = seq(mid);
                if (s < seq) {
                    lo = mid + 1;
                } else if (s > seq) {
                    hi = mid - 1;
                } else {
                    return mid;
                }
            }
            return -1;
        }

        /** The index of the first item with a sequence number above {@code seq} ({@code size} if none). */
        int firstAfter(long seq) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (seq(mid) <= seq) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /**
         * Moves item {@code i} to {@code next} with the given counters, keeping the indexes and
         * counts in step. Its nextAttemptAt is cleared; callers set it again where it applies.
         */
        void setState(int i, ItemStatus next, int newAttempts, int newInterruptions) {
            ItemChunk ch = items[i >>> SHIFT];
            int j = i & MASK;
            ItemStatus old = STATUSES[ch.status[j]];
            byStatus[old.ordinal()]--;
            byStatus[next.ordinal()]++;
            retries += Math.max(0, newAttempts - 1) - Math.max(0, ch.attempts[j] - 1);
            interruptionCount += newInterruptions - ch.interruptions[j];
            ch.status[j] = (byte) next.ordinal();
            ch.attempts[j] = newAttempts;
            ch.interruptions[j] = newInterruptions;
            StatusSet from = setOf(old);
            if (from != null) {
                from.remove(i);
            }
            StatusSet to = setOf(next);
            if (to != null) {
                to.add(i);
            }
            if (orderKeys && (from == null) != (to == null)) {
                orderOpen(i, to != null);
            }
            if (old == ItemStatus.RUNNING) {
                runningSince.remove(i);
            }
            if (!rejected.isEmpty()) {
                rejected.remove(i);
            }
            Instant due = nextAttemptAt.isEmpty() ? null : nextAttemptAt.remove(i);
            if (due != null && old == ItemStatus.RETRY_WAIT) {
                retryByDue.remove(new Due(due, i));
            }
        }

        /** Whether the job is ordered by scope: its items carry order scopes. */
        boolean orderedByScope() {
            return orderKeys;
        }

        String orderKey(int i) {
            String[] col = items[i >>> SHIFT].orderKey;
            return col == null ? null : col[i & MASK];
        }

        /** Item {@code i} gained ({@code open}) or lost its place among the open items of its order scope. */
        private void orderOpen(int i, boolean open) {
            String k = orderKey(i);
            if (k == null) {
                return;
            }
            TreeSet<Integer> scopeOpen = openByOrderKey.computeIfAbsent(k, x -> new TreeSet<>());
            int before = scopeOpen.isEmpty() ? -1 : scopeOpen.first();
            if (open) {
                scopeOpen.add(i);
            } else {
                scopeOpen.remove(i);
            }
            int after = scopeOpen.isEmpty() ? -1 : scopeOpen.first();
            if (before != after) {
                if (before >= 0) {
                    orderHeads.clear(before);
                }
                if (after >= 0) {
                    orderHeads.set(after);
                }
            }
            if (scopeOpen.isEmpty()) {
                openByOrderKey.remove(k);
            }
        }

        /**
         * Claims of a job ordered by scope: of each order scope only its head (its lowest item
         * without a final outcome), and only if that is due and admitted by {@code scopes}; lowest first.
         */
        List<Item> claimScopeHeads(Instant now, int limit, ScopeFilter scopes, java.util.function.LongSupplier fences) {
            List<Item> claimed = new ArrayList<>(Math.min(limit, 64));
            // A claim leaves the heads as they are (the claimed item stays open): walk them directly.
            for (int i = orderHeads.nextSetBit(0); i >= 0 && claimed.size() < limit; i = orderHeads.nextSetBit(i + 1)) {
                if (isDue(i, now) && (scopes.isAll() || scopes.admits(scope(i)))) {
                    claimed.add(claim(i, now, fences.getAsLong()));
                }
            }
            return claimed;
        }

        /** The index of the items in {@code status}, or null for final statuses (not indexed). */
        private StatusSet setOf(ItemStatus status) {
            return switch (status) {
                case PENDING -> pending;
                case RUNNING -> running;
                case RETRY_WAIT -> retry;
                default -> null;
            };
        }

        boolean isDue(int i, Instant now) {
            ItemStatus s = status(i);
            return s == ItemStatus.PENDING || (s == ItemStatus.RETRY_WAIT && !nextAttemptAt.get(i).isAfter(now));
        }

        /** The lowest index without a final outcome, or -1. */
        int lowestUnfinished() {
            int lowest = -1;
            for (StatusSet s : List.of(pending, running, retry)) {
                int f = s.first();
                if (f >= 0 && (lowest < 0 || f < lowest)) {
                    lowest = f;
                }
            }
            return lowest;
        }

        /** The lowest {@code limit} indexes of RETRY_WAIT items due by {@code now}, ascending. */
        int[] dueRetries(Instant now, int limit) {
            if (retryByDue.isEmpty() || retryByDue.first().at().isAfter(now)) {
                return new int[0];
            }
            int[] due = new int[16];
            int n = 0;
            for (Due d : retryByDue) {
                if (d.at().isAfter(now)) {
                    break;
                }
                if (n == due.length) {
                    due = Arrays.copyOf(due, n * 2);
                }
                due[n++] = d.index();
            }
            int[] sorted = Arrays.copyOf(due, n);
            Arrays.sort(sorted);
            return sorted.length > limit ? Arrays.copyOf(sorted, limit) : sorted;
        }

        Item claim(int i, Instant now, long fence) {
            setState(i, ItemStatus.RUNNING, attempts(i), interruptions(i));
            ItemChunk ch = items[i >>> SHIFT];
            int j = i & MASK;
            ch.lastAttempt[j]++;
            ch.fence[j] = fence;
            runningSince.put(i, now);
            return item(i, now);
        }

        String scope(int i) {
            String[] col = items[i >>> SHIFT].scope;
            return col == null ? null : col[i & MASK];
        }

        int lastAttempt(int i) {
            return items[i >>> SHIFT].lastAttempt[i & MASK];
        }

        void compensate(int i, Attempt a) {
            int row = appendAttempt(i, a);
            ItemChunk ch = items[i >>> SHIFT];
            int j = i & MASK;
            ch.lastRow[j] = row;
            ch.lastAttempt[j] = a.number();
            if (a.outcome() == AttemptOutcome.COMPENSATED) {
                setState(i, ItemStatus.COMPENSATED, ch.attempts[j], ch.interruptions[j]);
            }
        }

        void reject(int i, Rejection r) {
            ItemChunk ch = items[i >>> SHIFT];
            int j = i & MASK;
            ch.lastAttempt[j]--;
            runningSince.remove(i);
            setState(i, r.next(), ch.attempts[j], ch.interruptions[j]);
            if (r.next() == ItemStatus.FAILED) {
                rejected.put(i, r);
            }
        }

        void complete(int i, Completion c) {
            Attempt a = c.attempt();
            boolean interrupted = a.outcome() == AttemptOutcome.INTERRUPTED;
            int row = appendAttempt(i, a);
            ItemChunk ch = items[i >>> SHIFT];
            int j = i & MASK;
            ch.lastRow[j] = row;
            if (a.logPath() != null) {
                (ch.logPath == null ? ch.logPath = new String[CHUNK] : ch.logPath)[j] = a.logPath();
            }
            if (c.result() != null) {
                (ch.result == null ? ch.result = new String[CHUNK] : ch.result)[j] = c.result();
            }
            setState(i, c.next(), ch.attempts[j] + (interrupted ? 0 : 1), ch.interruptions[j] + (interrupted ? 1 : 0));
            if (c.nextAttemptAt() != null) {
                nextAttemptAt.put(i, c.nextAttemptAt());
                if (c.next() == ItemStatus.RETRY_WAIT) {
                    retryByDue.add(new Due(c.nextAttemptAt(), i));
                }
            }
        }

        Item item(int i) {
            return item(i, null);
        }

        /** Item {@code i}; {@code claimedAt} is its claim time when the caller knows it, else null. */
        Item item(int i, Instant claimedAt) {
            ItemChunk ch = items[i >>> SHIFT];
            int j = i & MASK;
            ItemStatus status = STATUSES[ch.status[j]];
            int row = ch.lastRow[j];
            AttemptChunk a = row < 0 ? null : attemptRows[row >>> SHIFT];
            int k = row & MASK;
            Instant started;
            Instant finished;
            if (status == ItemStatus.RUNNING) {
                started = claimedAt != null ? claimedAt : runningSince.get(i);
                finished = null;
            } else {
                started = a == null ? null : instant(a.startSec[k], a.startNano[k]);
                finished = a == null ? null : instant(a.endSec[k], a.endNano[k]);
            }
            Rejection rej = status == ItemStatus.FAILED && !rejected.isEmpty() ? rejected.get(i) : null;
            if (rej != null) {
                return new Item(jobId, ch.seq[j], ch.key[j], at(ch.payload, j), at(ch.scope, j), status,
                        ch.attempts[j], ch.interruptions[j], ch.lastAttempt[j], ch.fence[j], null, null, rej.at(),
                        ErrorClass.PERMANENT, rej.category(), rej.message(), null, null, at(ch.logPath, j));
            }
            return new Item(jobId, ch.seq[j], ch.key[j], at(ch.payload, j), at(ch.scope, j), status,
                    ch.attempts[j], ch.interruptions[j], ch.lastAttempt[j], ch.fence[j],
                    nextAttemptAt.isEmpty() ? null : nextAttemptAt.get(i),
                    started, finished,
                    a == null || a.errorClass[k] == 0 ? null : ERROR_CLASSES[a.errorClass[k] - 1],
                    a == null ? null : at(a.category, k),
                    a == null ? null : at(a.message, k),
                    a == null ? null : at(a.exitCode, k),
                    a == null ? null : a.durationMs[k],
                    at(ch.logPath, j), at(ch.result, j));
        }

        JobCounts counts() {
            return new JobCounts(size, byStatus[ItemStatus.PENDING.ordinal()], byStatus[ItemStatus.RUNNING.ordinal()],
                    byStatus[ItemStatus.RETRY_WAIT.ordinal()], byStatus[ItemStatus.SUCCEEDED.ordinal()],
                    byStatus[ItemStatus.FAILED.ordinal()], byStatus[ItemStatus.SKIPPED.ordinal()], retries, interruptionCount,
                    byStatus[ItemStatus.COMPENSATED.ordinal()]);
        }

        // -- attempts

        private int appendAttempt(int item, Attempt a) {
            int row = attemptCount;
            int c = row >>> SHIFT;
            if (c == attemptRows.length) {
                attemptRows = Arrays.copyOf(attemptRows, c * 2);
            }
            if (attemptRows[c] == null) {
                attemptRows[c] = new AttemptChunk();
            }
            AttemptChunk ch = attemptRows[c];
            int k = row & MASK;
            ch.number[k] = a.number();
            ch.previous[k] = items[item >>> SHIFT].lastRow[item & MASK];
            ch.startSec[k] = a.startedAt() == null ? 0 : a.startedAt().getEpochSecond();
            ch.startNano[k] = a.startedAt() == null ? NO_TIME : a.startedAt().getNano();
            ch.endSec[k] = a.finishedAt() == null ? 0 : a.finishedAt().getEpochSecond();
            ch.endNano[k] = a.finishedAt() == null ? NO_TIME : a.finishedAt().getNano();
            ch.durationMs[k] = a.durationMs();
            ch.outcome[k] = (byte) a.outcome().ordinal();
            ch.errorClass[k] = (byte) (a.errorClass() == null ? 0 : a.errorClass().ordinal() + 1);
            ch.worker[k] = a.worker();
            if (a.category() != null) {
                (ch.category == null ? ch.category = new String[CHUNK] : ch.category)[k] = a.category();
            }
            if (a.message() != null) {
                (ch.message == null ? ch.message = new String[CHUNK] : ch.message)[k] = a.message();
            }
            if (a.logPath() != null) {
                (ch.logPath == null ? ch.logPath = new String[CHUNK] : ch.logPath)[k] = a.logPath();
            }
            if (a.exitCode() != null) {
                (ch.exitCode == null ? ch.exitCode = new Integer[CHUNK] : ch.exitCode)[k] = a.exitCode();
            }
            attemptCount++;
            return row;
        }

        /** The attempts of item {@code i}, oldest first. */
        List<Attempt> history(int i) {
            long seq = seq(i);
            List<Attempt> out = new ArrayList<>();
            for (int row = items[i >>> SHIFT].lastRow[i & MASK]; row >= 0; ) {
                AttemptChunk ch = attemptRows[row >>> SHIFT];
                int k = row & MASK;
                out.add(new Attempt(jobId, seq, ch.number[k], instant(ch.startSec[k], ch.startNano[k]),
                        instant(ch.endSec[k], ch.endNano[k]), OUTCOMES[ch.outcome[k]],
                        ch.errorClass[k] == 0 ? null : ERROR_CLASSES[ch.errorClass[k] - 1], at(ch.category, k),
                        at(ch.message, k), at(ch.exitCode, k), ch.durationMs[k], ch.worker[k], at(ch.logPath, k)));
                row = ch.previous[k];
            }
            Collections.reverse(out);
            return out;
        }

        private static Instant instant(long seconds, int nanos) {
            return nanos == NO_TIME ? null : Instant.ofEpochSecond(seconds, nanos);
        }

        private static <T> T at(T[] column, int j) {
            return column == null ? null : column[j];
        }
    }
}
