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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
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
     * @param ledgerBytes   the SQLite ledger's size on disk once closed (the database file and what
     *                      is left of its WAL); -1 when the store has no file
     */
    public record Result(String store, String durability, long items, int concurrency, double seconds,
                         double itemsPerSec, long peakHeapBytes, long succeeded, long ledgerBytes) {

        /** A result with no ledger file (memory, or a ledger the caller opened). */
        public Result(String store, String durability, long items, int concurrency, double seconds,
                      double itemsPerSec, long peakHeapBytes, long succeeded) {
            this(store, durability, items, concurrency, seconds, itemsPerSec, peakHeapBytes, succeeded, -1);
        }

        Result withLedgerBytes(long bytes) {
            return new Result(store, durability, items, concurrency, seconds, itemsPerSec, peakHeapBytes, succeeded, bytes);
        }

        /**
         * One JSON line: store, durability, items, concurrency, seconds, items_per_s, peak_heap_mb,
         * succeeded, and ledger_mb when the store has a file.
         */
        public String toJson() {
            String ledger = ledgerBytes < 0 ? "" : String.format(Locale.ROOT, ",\"ledger_mb\":%.1f", ledgerBytes / (1024.0 * 1024.0));
            return String.format(Locale.ROOT,
                    "{\"store\":\"%s\",\"durability\":\"%s\",\"items\":%d,\"concurrency\":%d,\"seconds\":%.3f,"
                            + "\"items_per_s\":%.0f,\"peak_heap_mb\":%.1f,\"succeeded\":%d%s}",
                    store, durability, items, concurrency, seconds, itemsPerSec, peakHeapBytes / (1024.0 * 1024.0), succeeded, ledger);
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
        return run(new NoopItems(items), concurrency, store, durability, dir);
    }

    /**
     * Runs the benchmark once on the items of a file: one item key per line (empty lines skipped),
     * read line by line while the engine submits them, so the file is never held in memory. The
     * clock covers reading the file, as it covers making the items in {@link #run(long, int,
     * String, Durability, Path)}.
     *
     * @param itemsFrom a text file (UTF-8), one item key per line, at least one item
     */
    public static Result runFromFile(Path itemsFrom, int concurrency, String store, Durability durability, Path dir) {
        ValidationException.require(Files.isRegularFile(Objects.requireNonNull(itemsFrom, "itemsFrom")),
                "the items file " + itemsFrom + " does not exist or is not a file");
        try (LineItems lines = new LineItems(itemsFrom)) {
            ValidationException.require(lines.hasNext(), "the items file " + itemsFrom + " holds no item");
            return run(lines, concurrency, store, durability, dir);
        }
    }

    private static Result run(CountingItems items, int concurrency, String store, Durability durability, Path dir) {
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
            Result result;
            try (Ledger ledger = SqliteLedger.open(file, d)) {
                result = measure(ledger, config, noop, items, "sqlite", d.name().toLowerCase(Locale.ROOT));
            }
            return result.withLedgerBytes(sizeOf(file) + sizeOf(Path.of(file + "-wal")));
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
        return measure(Objects.requireNonNull(ledger, "ledger"), config, ctx -> AttemptResult.success(), new NoopItems(items),
                store, durability);
    }

    private static Result measure(Ledger ledger, JobConfig config, ItemHandler handler, CountingItems items,
                                  String store, String durability) {
        try (Engine engine = Engine.builder().ledger(ledger).worker("bench").build()) {
            List<MemoryPoolMXBean> heap = heapPools();
            System.gc();
            heap.forEach(MemoryPoolMXBean::resetPeakUsage);
            long t0 = System.nanoTime();
            Job job = engine.submit("noop-bench", config, items);
            JobResult result = engine.run(job.id(), handler);
            long nanos = System.nanoTime() - t0;
            long peak = 0;
            for (MemoryPoolMXBean pool : heap) {
                MemoryUsage u = pool.getPeakUsage();
                peak += u == null ? 0 : u.getUsed();
            }
            double seconds = nanos / 1e9;
            long n = items.count();
            return new Result(store, durability, n, config.concurrency(), seconds, n / seconds, peak,
                    result.counts().succeeded());
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of the bench ledger " + file, e);
        }
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid())
                .toList();
    }

    /** Items handed out one at a time, counting how many were. */
    private interface CountingItems extends Iterator<Engine.ItemSpec> {
        /** Items handed out so far. */
        long count();
    }

    /** The lines of a file as item keys, read one at a time; empty lines are skipped. */
    private static final class LineItems implements CountingItems, AutoCloseable {
        private final Path file;
        private final BufferedReader reader;
        private String line;
        private long count;

        LineItems(Path file) {
            this.file = file;
            try {
                this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the items file " + file, e);
            }
        }

        @Override
        public boolean hasNext() {
            try {
                while (line == null || line.isEmpty()) {
                    line = reader.readLine();
                    if (line == null) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the items file " + file, e);
            }
        }

        @Override
        public Engine.ItemSpec next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            String key = line;
            line = null;
            count++;
            return Engine.ItemSpec.of(key);
        }

        @Override
        public long count() {
            return count;
        }

        @Override
        public void close() {
            try {
                reader.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the items file " + file, e);
            }
        }
    }

    /** The items {@code item-1} … {@code item-N}, made one at a time. */
    private static final class NoopItems implements CountingItems {
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

        @Override
        public long count() {
            return next - 1;
        }
    }
}
