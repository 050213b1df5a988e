package dev.bulwark;

import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The result of running a batch: its job as the ledger now holds it, counts, success rate,
 * duration and status. Per-item results are read from the ledger page by page when asked for
 * ({@link #items()}, {@link #failures()}), never all held in memory, so a result of a million
 * items is as small as one of ten. The counts and status are those at the end of the run; the
 * streams and {@link #attempts} read the ledger as it is when they are called (a later resume or
 * retry of the same job shows there), and need it still open. Immutable.
 */
public final class BatchResult {
    /** Items read from the ledger per page by {@link #items()} and {@link #failures()}. */
    public static final int PAGE = 1_000;

    private final JobResult result;
    private final Ledger ledger;

    public BatchResult(JobResult result, Ledger ledger) {
        this.result = result;
        this.ledger = ledger;
    }

    public Job job() {
        return result.job();
    }

    public UUID jobId() {
        return result.job().id();
    }

    /** COMPLETED, PARTIAL, FAILED, CANCELLED, or PAUSED when the run was paused. */
    public JobStatus status() {
        return result.status();
    }

    /** Why the job stopped or is not COMPLETED, or null. */
    public String reason() {
        return result.job().reason();
    }

    public JobCounts counts() {
        return result.counts();
    }

    public long total() {
        return result.counts().total();
    }

    public long succeeded() {
        return result.counts().succeeded();
    }

    public long failed() {
        return result.counts().failed();
    }

    public long skipped() {
        return result.counts().skipped();
    }

    /** Items undone by the rollback after a critical error ({@link ItemStatus#COMPENSATED}). */
    public long compensated() {
        return result.counts().compensated();
    }

    /** Attempts beyond each item's first. */
    public long retries() {
        return result.counts().retries();
    }

    /** Succeeded items as a share of finished items, 0 to 100. */
    public double successRate() {
        return result.successRate();
    }

    /** How long this run took. */
    public Duration duration() {
        return result.duration();
    }

    /** Whether every item succeeded. */
    public boolean isCompleted() {
        return status() == JobStatus.COMPLETED;
    }

    /** The ledger the batch ran against, for anything the result does not offer. */
    public Ledger ledger() {
        return ledger;
    }

    /** Every item with its final (or current) status and its latest attempt's fields, in order, read page by page. */
    public Stream<Item> items() {
        return page(Set.of());
    }

    /** The review queue: the FAILED items with their error class, category and message, read page by page. */
    public Stream<Item> failures() {
        return page(Set.of(ItemStatus.FAILED));
    }

    /** Items with any of {@code statuses}, read page by page. */
    public Stream<Item> items(Set<ItemStatus> statuses) {
        return page(statuses);
    }

    /**
     * The results the handler returned ({@link BatchBuilder#handler(Class, ResultHandler)}), read as
     * JSON of {@code type}: one per item that has one (SUCCEEDED, or COMPENSATED after a rollback), in
     * order, read page by page, also those of earlier runs of a resumed batch. Throws a
     * {@link BulwarkException} naming the item when a stored result cannot be read as {@code type}.
     */
    public <R> Stream<ItemResult<R>> results(Class<R> type) {
        return results(ResultCodec.json(type));
    }

    /** As {@link #results(Class)}, read with {@code codec}. */
    public <R> Stream<ItemResult<R>> results(ResultCodec<R> codec) {
        java.util.Objects.requireNonNull(codec, "codec");
        return page(Set.of(ItemStatus.SUCCEEDED, ItemStatus.COMPENSATED)).filter(item -> item.result() != null)
                .map(item -> new ItemResult<>(item, decode(item, codec)));
    }

    /** The result the handler returned for the item at {@code seq}, read as JSON of {@code type}; empty when it has none. */
    public <R> java.util.Optional<R> result(long seq, Class<R> type) {
        return result(seq, ResultCodec.json(type));
    }

    /** As {@link #result(long, Class)}, read with {@code codec}. */
    public <R> java.util.Optional<R> result(long seq, ResultCodec<R> codec) {
        java.util.Objects.requireNonNull(codec, "codec");
        return ledger.findItem(jobId(), seq).filter(item -> item.result() != null).map(item -> decode(item, codec));
    }

    private static <R> R decode(Item item, ResultCodec<R> codec) {
        try {
            return codec.decode(item.result());
        } catch (BulwarkException e) {
            throw new BulwarkException("item " + item.seq() + " (" + item.key() + "): " + e.getMessage(), e);
        }
    }

    /**
     * The batch's circuit breakers that are not closed, as the ledger's breaker events leave them
     * now: after a halt by a breaker, the scope that opened it, with until when and why.
     */
    public List<BreakerStatus> breakers() {
        return dev.bulwark.JobBreakers.open(ledger, jobId());
    }

    /** Every attempt of the item at {@code seq}, oldest first (the audit trail). */
    public List<Attempt> attempts(long seq) {
        return ledger.attempts(jobId(), seq);
    }

    private Stream<Item> page(Set<ItemStatus> statuses) {
        Iterator<Item> pages = new Iterator<>() {
            private final ArrayDeque<Item> buffer = new ArrayDeque<>();
            private long after;
            private boolean exhausted;

            @Override
            public boolean hasNext() {
                if (buffer.isEmpty() && !exhausted) {
                    List<Item> page = ledger.items(jobId(), new ItemQuery(statuses, after, PAGE));
                    buffer.addAll(page);
                    exhausted = page.size() < PAGE;
                    if (!page.isEmpty()) {
                        after = page.get(page.size() - 1).seq();
                    }
                }
                return !buffer.isEmpty();
            }

            @Override
            public Item next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return buffer.poll();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages,
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    @Override
    public String toString() {
        return "job " + jobId() + " " + status() + ": " + succeeded() + " succeeded, " + failed() + " failed, "
                + skipped() + " skipped" + (compensated() == 0 ? "" : ", " + compensated() + " compensated") + " of " + total() + " in " + duration().toMillis() + "ms"
                + (reason() == null ? "" : " (" + reason() + ")");
    }
}
