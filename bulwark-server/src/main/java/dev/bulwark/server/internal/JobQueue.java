package dev.bulwark.server.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The jobs waiting for a worker, in the order they start: lowest effective priority first, where
 * a job's effective priority is its tier's priority minus one level for every {@code ageing}
 * period it has waited (so a low tier never starves), then the longest waiting, then the order of
 * arrival. A pure structure driven by the instants it is given; not thread-safe.
 */
public final class JobQueue {

    /** What a worker does with a job when it starts it. */
    public enum Action { RUN, RETRY_FAILED }

    /**
     * A waiting job.
     *
     * @param jobId      the job
     * @param tenant     its owner (for the per-tenant limit of running jobs)
     * @param priority   its tier's priority, lower first
     * @param enqueuedAt when it started waiting
     * @param action     run (or resume) it, or re-run its failed items
     */
    public record Entry(UUID jobId, String tenant, int priority, Instant enqueuedAt, Action action) {
    }

    private final Duration ageing;
    private final List<Entry> waiting = new ArrayList<>();

    public JobQueue(Duration ageing) {
        this.ageing = ageing;
    }

    public void add(Entry entry) {
        if (!contains(entry.jobId())) {
            waiting.add(entry);
        }
    }

    public boolean remove(UUID jobId) {
        return waiting.removeIf(e -> e.jobId().equals(jobId));
    }

    public boolean contains(UUID jobId) {
        return waiting.stream().anyMatch(e -> e.jobId().equals(jobId));
    }

    public int size() {
        return waiting.size();
    }

    /** The entries in the order they would start at {@code now}. */
    public List<Entry> ordered(Instant now) {
        Comparator<Entry> order = Comparator.<Entry>comparingLong(e -> effectivePriority(e, now))
                .thenComparing(Entry::enqueuedAt);
        List<Entry> sorted = new ArrayList<>(waiting); // stable: equal entries keep their order of arrival
        sorted.sort(order);
        return sorted;
    }

    /** Removes and returns the first entry at {@code now} that {@code startable} accepts. */
    public Optional<Entry> poll(Instant now, Predicate<Entry> startable) {
        for (Entry e : ordered(now)) {
            if (startable.test(e)) {
                waiting.remove(e);
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The tier's priority, one level better for each full ageing period waited (may go below 1). */
    public long effectivePriority(Entry e, Instant now) {
        Duration waited = Duration.between(e.enqueuedAt(), now);
        long periods = waited.isNegative() ? 0 : waited.toNanos() / ageing.toNanos();
        return e.priority() - periods;
    }
}
