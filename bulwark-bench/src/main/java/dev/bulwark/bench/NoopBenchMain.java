package dev.bulwark.bench;

import dev.bulwark.jdbc.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Runs {@link NoopBench} from a plain {@code java} command line, without the CLI, and prints one
 * JSON line per run:
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xmx256m -cp CLASSPATH dev.bulwark.bench.NoopBenchMain \
 *     ITEMS CONCURRENCY memory|sqlite [normal|full] [RUNS] [DIR]
 * </pre>
 *
 * RUNS repeats the run in the same JVM (the first runs warm the JIT up); DIR defaults to a
 * fresh temporary directory, deleted afterwards.
 */
public final class NoopBenchMain {

    private NoopBenchMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: NoopBenchMain ITEMS CONCURRENCY memory|sqlite [normal|full] [RUNS] [DIR]");
            System.exit(2);
        }
        long items = Long.parseLong(args[0].replace("_", ""));
        int concurrency = Integer.parseInt(args[1]);
        String store = args[2];
        Durability durability = args.length > 3 ? Durability.valueOf(args[3].toUpperCase(Locale.ROOT)) : Durability.NORMAL;
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        boolean ownDir = args.length <= 5;
        Path dir = ownDir ? Files.createTempDirectory("bulwark-bench-") : Path.of(args[5]);
        try {
            for (int i = 0; i < runs; i++) {
                System.out.println(NoopBench.run(items, concurrency, store, durability, dir).toJson());
            }
        } finally {
            if (ownDir) {
                Files.deleteIfExists(dir); // NoopBench deletes its own ledger files
            }
        }
    }
}
