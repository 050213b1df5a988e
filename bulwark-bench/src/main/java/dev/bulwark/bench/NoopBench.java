package dev.bulwark.bench;

import dev.bulwark.AttemptResult;
import dev.bulwark.Engine;
import dev.bulwark.ItemHandler;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobResult;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.Durability;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.MemoryLedger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.UUID;

/**
 * The engine's overhead alone: one job of {@code items} items whose handler succeeds at once,
 * run through {@link Engine#submit} and {@link Engine#run} against the in-memory or the SQLite
 * ledger. This is what {@code bulwark bench} runs.
 *
 * <p>The clock covers submitting the items (streamed from an iterator, never held in a list) and
 * running them until every outcome is committed; opening and closing the ledger are outside it.
 * The peak heap is the sum of the peak usage of the heap memory pools, reset just before the
 * measured part: pools peak at different moments, so it is an upper bound of the real peak.
 */
public final class NoopBench {

    /**
     * One benchmark run.
     *
     * @param store         {@code memory} or {@code sqlite}
     * @param durability    {@code normal} or {@code full} for SQLite; {@code none} for memory
     * @param items         items submitted
     * @param concurrency   the job's concurrency
     * @param seconds       wall time from the start of submit until the run returned
     * @param itemsPerSec   items / seconds
     * @param peakHeapBytes sum of the peak usage of the heap pools during the run
     * @param succeeded     items that the ledger holds as SUCCEEDED afterwards
     */
    public record Result(String store, String durability, long items, int concurrency, double seconds,
                         double itemsPerSec, long peakHeapBytes, long succeeded) {

        /** One JSON line: store, durability, items, concurrency, seconds, items_per_s, peak_heap_mb, succeeded. */
        public String toJson() {
            return String.format(Locale.ROOT,
                    "{\"store\":\"%s\",\"durability\":\"%s\",\"items\":%d,\"concurrency\":%d,\"seconds\":%.3f,"
                            + "\"items_per_s\":%.0f,\"peak_heap_mb\":%.1f,\"succeeded\":%d}",
                    store, durability, items, concurrency, seconds, itemsPerSec, peakHeapBytes / (1024.0 * 1024.0), succeeded);
        }
    }

    private NoopBench() {
    }

    /**
     * Runs the benchmark once.
     *
     * @param items       how many items (at least 1)
     * @param concurrency the job's concurrency, 1 to {@link JobConfig#MAX_CONCURRENCY}
     * @param store       {@code memory} or {@code sqlite}
     * @param durability  SQLite's durability (null means {@link Durability#NORMAL}); ignored for memory
     * @param dir         an existing, writable directory where a fresh SQLite ledger file is created
     *                    (and deleted afterwards, with its WAL files); ignored for memory
     * @throws ValidationException for bad arguments, before anything runs
     */
    public static Result run(long items, int concurrency, String store, Durability durability, Path dir) {
        ValidationException.require(items >= 1, "items must be at least 1, but was " + items);
        ValidationException.require(concurrency >= 1 && concurrency <= JobConfig.MAX_CONCURRENCY,
                "concurrency must be between 1 and " + JobConfig.MAX_CONCURRENCY + ", but was " + concurrency);
        String kind = Objects.requireNonNull(store, "store").toLowerCase(Locale.ROOT);
        ValidationException.require(kind.equals("memory") || kind.equals("sqlite"),
                "store must be memory or sqlite, but was '" + store + "'");
        Durability d = durability == null ? Durability.NORMAL : durability;
        JobConfig config = JobConfig.builder().concurrency(concurrency).input("bench", "noop").build();
        ItemHandler noop = ctx -> AttemptResult.success();

        if (kind.equals("memory")) {
            try (Ledger ledger = new MemoryLedger()) {
                return measure(ledger, config, noop, items, "memory", "none");
            }
        }
        Objects.requireNonNull(dir, "dir");
        ValidationException.require(Files.isDirectory(dir), "the bench directory " + dir + " does not exist or is not a directory");
        Path file = dir.resolve("noop-bench-" + UUID.randomUUID() + ".db");
        try {
            try (Ledger ledger = SqliteLedger.open(file, d)) {
                return measure(ledger, config, noop, items, "sqlite", d.name().toLowerCase(Locale.ROOT));
            }
        } finally {
            for (String suffix : List.of("", "-wal", "-shm", "-journal", ".lock")) {
                try {
                    Files.deleteIfExists(Path.of(file + suffix));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete the bench ledger " + file + suffix, e);
                }
            }
        }
    }

    /**
     * Runs the benchmark once against a ledger the caller opened (and closes): for instance a
     * {@code PostgresLedger} on a fresh schema. The clock covers the same as {@link #run}.
     *
     * @param store      the name of the store in the result ({@code postgresql}, ...)
     * @param durability what the result says of the store's durability
     */
    public static Result run(Ledger ledger, long items, int concurrency, String store, String durability) {
        ValidationException.require(items >= 1, "items must be at least 1, but was " + items);
        ValidationException.require(concurrency >= 1 && concurrency <= JobConfig.MAX_CONCURRENCY,
                "concurrency must be between 1 and " + JobConfig.MAX_CONCURRENCY + ", but was " + concurrency);
        JobConfig config = JobConfig.builder().concurrency(concurrency).input("bench", "noop").build();
        return measure(Objects.requireNonNull(ledger, "ledger"), config, ctx -> AttemptResult.success(), items, store, durability);
    }

    private static Result measure(Ledger ledger, JobConfig config, ItemHandler handler, long items,
                                  String store, String durability) {
        try (Engine engine = Engine.builder().ledger(ledger).worker("bench").build()) {
            List<MemoryPoolMXBean> heap = heapPools();
            System.gc();
            heap.forEach(MemoryPoolMXBean::resetPeakUsage);
            long t0 = System.nanoTime();
            Job job = engine.submit("noop-bench", config, new NoopItems(items));
            JobResult result = engine.run(job.id(), handler);
            long nanos = System.nanoTime() - t0;
            long peak = 0;
            for (MemoryPoolMXBean pool : heap) {
                MemoryUsage u = pool.getPeakUsage();
                peak += u == null ? 0 : u.getUsed();
            }
            double seconds = nanos / 1e9;
            return new Result(store, durability, items, config.concurrency(), seconds, items / seconds, peak,
                    result.counts().succeeded());
        }
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid())
                .toList();
    }

    /** The items {@code item-1} … {@code item-N}, made one at a time. */
    private static final class NoopItems implements Iterator<Engine.ItemSpec> {
        private final long count;
        private long next = 1;

        NoopItems(long count) {
            this.count = count;
        }

        @Override
        public boolean hasNext() {
            return next <= count;
        }

        @Override
        public Engine.ItemSpec next() {
            if (next > count) {
                throw new NoSuchElementException();
            }
            return Engine.ItemSpec.of("item-" + next++);
        }
    }
}
