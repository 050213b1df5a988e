package dev.bulwark.bench;

import dev.bulwark.ValidationException;
import dev.bulwark.bench.workers.WorkersBenchMain;
import dev.bulwark.cli.ExitCodes;
import dev.bulwark.cli.PluggableCommand;
import dev.bulwark.jdbc.Durability;
import dev.bulwark.jdbc.worker.WorkerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bulwark bench}: engine and ledger throughput with a handler that does nothing. A
 * {@link PluggableCommand}: the command line finds it only when this module is on its class path,
 * so the released jar carries no benchmark code.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures engine and ledger throughput with a no-op handler; prints one JSON line "
                + "(items_per_s, peak_heap_mb, ...). Uses a fresh temporary ledger, never your home.",
                "With --store postgresql://HOST[:PORT]/DB?user=NAME it starts --workers worker processes on a fresh "
                        + "schema of that database (dropped afterwards) and times how fast they drain the job."})
public final class BenchCommand implements Callable<Integer>, PluggableCommand {
    private static final Pattern SUCCEEDED = Pattern.compile("\"succeeded\":([0-9]+)");
    @Spec
    CommandSpec spec;

    @Option(names = "--items", paramLabel = "N", defaultValue = "100000", description = "Items to run. Default: ${DEFAULT-VALUE}.")
    long items;

    @Option(names = "--items-from", paramLabel = "FILE",
            description = "Read the items from FILE, one item key per line (streamed, never held in memory; empty lines "
                    + "skipped) instead of making --items of them. memory and sqlite stores only.")
    Path itemsFrom;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "64", description = "Concurrency. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--store", paramLabel = "STORE", defaultValue = "sqlite",
            description = "memory, sqlite, or postgresql://HOST[:PORT]/DB?user=NAME (worker processes). Default: ${DEFAULT-VALUE}.")
    String store;

    @Option(names = "--workers", paramLabel = "N", description = "Worker processes (PostgreSQL only). Default: 2.")
    Integer workers;

    @Option(names = "--claim-batch", paramLabel = "N", defaultValue = "" + WorkerOptions.DEFAULT_CLAIM_BATCH,
            description = "Items a worker claims at once (PostgreSQL only). Default: ${DEFAULT-VALUE}.")
    int claimBatch;

    @Option(names = "--durability", paramLabel = "LEVEL", defaultValue = "normal", description = "normal or full (sqlite only). Default: ${DEFAULT-VALUE}.")
    Durability durability;

    @Override
    public Integer call() throws IOException {
        ValidationException.require(items >= 1 && items <= 1_000_000_000L, "--items must be between 1 and 1000000000, but was " + items);
        ValidationException.require(concurrency >= 1 && concurrency <= 10_000, "--concurrency must be between 1 and 10000, but was " + concurrency);
        String kind = store.toLowerCase(Locale.ROOT);
        if (kind.startsWith("postgresql://") || kind.startsWith("jdbc:postgresql://")) {
            ValidationException.require(itemsFrom == null, "--items-from needs --store memory or sqlite, but the store was " + store);
            return workers();
        }
        ValidationException.require(kind.equals("memory") || kind.equals("sqlite"),
                "--store must be memory, sqlite or postgresql://HOST[:PORT]/DB?user=NAME, but was '" + store + "'");
        ValidationException.require(workers == null, "--workers needs --store postgresql://..., but the store was " + kind);
        Path dir = Files.createTempDirectory("bulwark-bench-");
        try {
            NoopBench.Result result = itemsFrom == null
                    ? NoopBench.run(items, concurrency, kind, durability, dir)
                    : NoopBench.runFromFile(itemsFrom, concurrency, kind, durability, dir);
            spec.commandLine().getOut().println(result.toJson());
            spec.commandLine().getOut().flush();
            return ExitCodes.COMPLETED;
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** N worker processes on a fresh schema, as {@code bulwark worker} runs them, draining one job of no-op items. */
    private Integer workers() throws IOException {
        int n = workers == null ? 2 : workers;
        ValidationException.require(n >= 1 && n <= 64, "--workers must be between 1 and 64, but was " + n);
        ValidationException.require(claimBatch >= 1 && claimBatch <= 1000, "--claim-batch must be between 1 and 1000, but was " + claimBatch);
        WorkersBenchMain.Run run;
        try {
            run = WorkersBenchMain.run(store, "bulwark:" + claimBatch, items, n, concurrency);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("the workers benchmark on " + store + " failed: " + e.getMessage(), e);
        }
        long succeeded = 0;
        for (String line : run.workerLines()) {
            Matcher m = SUCCEEDED.matcher(line);
            if (m.find()) {
                succeeded += Long.parseLong(m.group(1));
            }
        }
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "{\"store\":\"postgresql\",\"durability\":\"%s\",\"items\":%d,\"workers\":%d,\"concurrency\":%d,"
                        + "\"claim_batch\":%d,\"seconds\":%.3f,\"items_per_s\":%.0f,\"succeeded\":%d}",
                run.settings(), items, n, concurrency, claimBatch, run.seconds(), run.itemsPerS(), succeeded));
        spec.commandLine().getOut().flush();
        return ExitCodes.COMPLETED;
    }
}
