package dev.bulwark.ledger;

import static dev.bulwark.ledger.MemoryColumns.AttemptChunk;
import static dev.bulwark.ledger.MemoryColumns.CHUNK;
import static dev.bulwark.ledger.MemoryColumns.ERROR_CLASSES;
import static dev.bulwark.ledger.MemoryColumns.ItemChunk;
import static dev.bulwark.ledger.MemoryColumns.MASK;
import static dev.bulwark.ledger.MemoryColumns.SHIFT;
import static dev.bulwark.ledger.MemoryColumns.STATUSES;
import static dev.bulwark.ledger.MemoryColumns.at;
import static dev.bulwark.ledger.MemoryColumns.instant;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.JobCounts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The items and attempts of one job in a {@link MemoryLedger}: the items in columns
 * ({@link MemoryColumns}), their attempts ({@link MemoryAttempts}), and the indexes that keep
 * claims, completions and counts cheap whatever the size of the job: the items of each status
 * ({@link StatusSet}), the retries by due time, the order scopes ({@link MemoryOrderScopes}).
 * Not thread-safe: used under the ledger's lock.
 */
final class MemoryTable {
    /** A retry's due time, ordered by time and then by item. */
    private record Due(Instant at, int index) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Integer.compare(index, o.index);
        }
    }

    private final UUID jobId;
    private ItemChunk[] items = new ItemChunk[1];
    private final MemoryAttempts attemptRows = new MemoryAttempts();
    int size;
    /** Whether sequence numbers are consecutive, so an item's index is {@code seq - firstSeq}. */
    private boolean consecutive = true;
    private long firstSeq;

    final StatusSet pending = new StatusSet();
    final StatusSet running = new StatusSet();
    final StatusSet retry = new StatusSet();
    private final TreeSet<Due> retryByDue = new TreeSet<>();
    /** nextAttemptAt, for the items that have one. */
    private final Map<Integer, Instant> nextAttemptAt = new HashMap<>();
    /** Items a breaker failed without an attempt, with the rejection that says why. */
    private final Map<Integer, Rejection> rejected = new HashMap<>();
    /** startedAt of RUNNING items (the time of the claim). */
    private final Map<Integer, Instant> runningSince = new HashMap<>();
    private final long[] byStatus = new long[STATUSES.length];
    /** Ordered by scope: the open items and the head of each order scope. */
    private final MemoryOrderScopes orderScopes = new MemoryOrderScopes();
    private boolean orderKeys;
    private long retries;
    private long interruptionCount;

    MemoryTable(UUID jobId) {
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
        orderScopes.open(k, i, open);
    }

    /**
     * Claims of a job ordered by scope: of each order scope only its head (its lowest item
     * without a final outcome), and only if that is due and admitted by {@code scopes}; lowest first.
     */
    List<Item> claimScopeHeads(Instant now, int limit, ScopeFilter scopes, java.util.function.LongSupplier fences) {
        List<Item> claimed = new ArrayList<>(Math.min(limit, 64));
        // A claim leaves the heads as they are (the claimed item stays open): walk them directly.
        for (int i = orderScopes.nextHead(0); i >= 0 && claimed.size() < limit; i = orderScopes.nextHead(i + 1)) {
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

    /** When the first RETRY_WAIT item is due, or null when there is none. */
    Instant firstDue() {
        return retryByDue.isEmpty() ? null : retryByDue.first().at();
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
        setState(i, r.next(), ch.attempts[j], ch.interruptions[j]); // a RUNNING item: setState forgets its start
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
        AttemptChunk a = attemptRows.chunk(row);
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
        return attemptRows.append(items[item >>> SHIFT].lastRow[item & MASK], a);
    }

    /** The attempts of item {@code i}, oldest first. */
    List<Attempt> history(int i) {
        return attemptRows.history(jobId, seq(i), items[i >>> SHIFT].lastRow[i & MASK]);
    }
}
