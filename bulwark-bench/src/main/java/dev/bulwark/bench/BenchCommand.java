package dev.bulwark.bench;

import dev.bulwark.ValidationException;
import dev.bulwark.cli.ExitCodes;
import dev.bulwark.cli.PluggableCommand;
import dev.bulwark.jdbc.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
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
                + "(items_per_s, peak_heap_mb, ...). Uses a fresh temporary ledger, never your home."})
public final class BenchCommand implements Callable<Integer>, PluggableCommand {
    public enum Store { MEMORY, SQLITE }

    @Spec
    CommandSpec spec;

    @Option(names = "--items", paramLabel = "N", defaultValue = "100000", description = "Items to run. Default: ${DEFAULT-VALUE}.")
    long items;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "64", description = "Concurrency. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--store", paramLabel = "STORE", defaultValue = "sqlite", description = "memory or sqlite. Default: ${DEFAULT-VALUE}.")
    Store store;

    @Option(names = "--durability", paramLabel = "LEVEL", defaultValue = "normal", description = "normal or full (sqlite only). Default: ${DEFAULT-VALUE}.")
    Durability durability;

    @Override
    public Integer call() throws IOException {
        ValidationException.require(items >= 1 && items <= 1_000_000_000L, "--items must be between 1 and 1000000000, but was " + items);
        ValidationException.require(concurrency >= 1 && concurrency <= 10_000, "--concurrency must be between 1 and 10000, but was " + concurrency);
        Path dir = Files.createTempDirectory("bulwark-bench-");
        try {
            NoopBench.Result result = NoopBench.run(items, concurrency, store.name().toLowerCase(java.util.Locale.ROOT), durability, dir);
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
}
