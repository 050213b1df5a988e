package dev.bulwark.bench.peers;

import dev.bulwark.jdbc.Durability;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The peer harness: the same batch of no-op items run by Bulwark, db-scheduler, JobRunr and Spring
 * Batch, each in a fresh JVM on a fresh store (a SQLite file in WAL mode with {@code
 * synchronous=FULL}, or a fresh PostgreSQL schema), with the same number of threads, round after
 * round; then Bulwark alone on SQLite at several concurrencies (the sweep). Prints one JSON line per
 * run ({@link PeerResult}), then the ratio table ({@link RatioTable}), and writes the chart
 * ({@link PeerChart}) when asked.
 *
 * <pre>
 * PeersMain [--items 20000] [--threads 2] [--runs 1] [--runners bulwark,db-scheduler,jobrunr,spring-batch]
 *           [--stores sqlite,postgresql] [--postgres postgresql://127.0.0.1:5432/test?user=postgres]
 *           [--sweep 1,2,8,64] [--sweep-items N] [--svg FILE] [--out FILE] [--timeout SECONDS]
 * PeersMain --from FILE [--svg FILE]      (the table and the chart of the JSON lines of an earlier run)
 * </pre>
 *
 * Exit status 0 when every run stored every item as done, 1 otherwise, 2 on bad usage.
 */
public final class PeersMain {
    static final List<String> RUNNERS = List.of("bulwark", "db-scheduler", "jobrunr", "spring-batch");
    static final List<String> STORES = List.of("sqlite", "postgresql");

    private PeersMain() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("peers: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.child != null) {
            System.out.println(child(o).toJson());
            System.exit(0);
        }
        System.exit(harness(o));
    }

    private static int harness(Options o) throws Exception {
        List<PeerResult> results = new ArrayList<>();
        boolean failed = false;
        if (o.from != null) {
            // Only the table and the chart, from the JSON lines of an earlier run.
            for (String line : Files.readAllLines(o.from)) {
                if (!line.isBlank()) {
                    results.add(PeerResult.parse(line));
                }
            }
            o.runs = 0;
            o.sweep = List.of();
        }
        for (int round = 1; round <= o.runs; round++) {
            for (String store : o.stores) {
                for (String runner : o.runners) {
                    if (!peer(runner, Durability.FULL).supports(store)) {
                        continue;
                    }
                    System.err.printf("round %d of %d: %s on %s, %d items, %d threads; load average %s%n", round, o.runs,
                            runner, store, o.items, o.threads, load());
                    failed |= !start(o, results, "peers", runner, store, o.items, o.threads, "full");
                }
            }
        }
        for (String durability : o.sweep.isEmpty() ? List.<String>of() : List.of("full", "normal")) {
            for (int concurrency : o.sweep) {
                System.err.printf("sweep: bulwark on sqlite, --durability %s, concurrency %d, %d items; load average %s%n",
                        durability, concurrency, o.sweepItems, load());
                failed |= !start(o, results, "sweep", "bulwark", "sqlite", o.sweepItems, concurrency, durability);
            }
        }
        System.out.println();
        System.out.print(RatioTable.of(results).format());
        System.out.printf("%d CPUs; load average at the end %s; ratios: bulwark items/s / the runner's, same round%n",
                Runtime.getRuntime().availableProcessors(), load());
        if (o.svg != null) {
            Files.writeString(o.svg, PeerChart.svg(results, title(results)));
            System.out.println("chart: " + o.svg);
        }
        for (PeerResult r : results) {
            if (!r.complete()) {
                System.err.printf("peers: %s on %s stored %d of %d items as done%n", r.runner(), r.store(), r.done(), r.items());
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }

    /** Runs one child JVM and records its line; false when it failed. */
    private static boolean start(Options o, List<PeerResult> results, String phase, String runner, String store, long items,
                                 int threads, String durability) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PeersMain.class.getName(), "--child", runner,
                "--phase", phase, "--stores", store, "--items", Long.toString(items), "--threads", Integer.toString(threads),
                "--durability", durability, "--postgres", o.postgres));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        // The peers' warnings (JobRunr's "slow job filter" under load, ...) would drown the results.
        builder.environment().putIfAbsent("BULWARK_LOG_LEVEL", "ERROR");
        Process p = builder.start();
        PeerResult result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    if (!p.waitFor(o.timeoutSeconds, TimeUnit.SECONDS)) {
                        System.err.printf("peers: %s on %s took longer than %d s; stopped%n", runner, store, o.timeoutSeconds);
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("{")) {
                    result = PeerResult.parse(line);
                } else {
                    System.err.println(line);
                }
            }
            watchdog.join();
        }
        int code = p.waitFor();
        if (code != 0 || result == null) {
            System.err.printf("peers: %s on %s failed (exit %d)%n", runner, store, code);
            return false;
        }
        System.out.println(result.toJson());
        if (o.out != null) {
            Files.writeString(o.out, result.toJson() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        results.add(result);
        return true;
    }

    /** In the child JVM: one run of one runner on a fresh store, removed afterwards. */
    private static PeerResult child(Options o) throws Exception {
        Durability durability = Durability.valueOf(o.durability.toUpperCase(Locale.ROOT));
        Peer peer = peer(o.child, durability);
        String store = o.stores.getFirst();
        if (store.equals("postgresql")) {
            try (Stores.Schema schema = new Stores.Schema(o.postgres)) {
                return peer.run(new Peer.Target(store, null, schema.url()), o.items, o.threads).inPhase(o.phase);
            }
        }
        Path dir = Files.createTempDirectory("bulwark-peers-");
        try {
            return peer.run(new Peer.Target(store, dir.resolve(o.child + ".db"), null), o.items, o.threads).inPhase(o.phase);
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The chart's title: the side-by-side runs' items and threads, and how many rounds. */
    static String title(List<PeerResult> results) {
        List<PeerResult> peers = results.stream().filter(r -> r.phase().equals("peers")).toList();
        if (peers.isEmpty()) {
            return "no side-by-side runs";
        }
        long rounds = peers.stream().filter(r -> r.runner().equals(peers.getFirst().runner())
                && r.store().equals(peers.getFirst().store())).count();
        return String.format(Locale.ROOT, "%,d no-op items, %d threads, %d round(s)", peers.getFirst().items(),
                peers.getFirst().threads(), rounds);
    }

    static Peer peer(String runner, Durability durability) {
        return switch (runner) {
            case "bulwark" -> new BulwarkPeer(durability);
            case "db-scheduler" -> new DbSchedulerPeer();
            case "jobrunr" -> new JobRunrPeer();
            case "spring-batch" -> new SpringBatchPeer();
            default -> throw new IllegalArgumentException("unknown runner '" + runner + "', expected one of " + RUNNERS);
        };
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** The command line, validated: every bad value is named with what is expected. */
    static final class Options {
        long items = 20_000;
        int threads = 2;
        int runs = 1;
        List<String> runners = RUNNERS;
        List<String> stores = List.of("sqlite");
        String postgres = "postgresql://127.0.0.1:5432/test?user=postgres";
        List<Integer> sweep = List.of();
        long sweepItems = -1;
        Path svg;
        Path out;
        Path from;
        long timeoutSeconds = 900;
        String child;
        String phase = "peers";
        String durability = "full";

        static Options parse(String... args) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--")) {
                    throw new IllegalArgumentException("expected an option (--name value), but got '" + args[i] + "'");
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                m.put(args[i].substring(2), args[++i]);
            }
            Options o = new Options();
            for (Map.Entry<String, String> e : m.entrySet()) {
                String v = e.getValue();
                switch (e.getKey()) {
                    case "items" -> o.items = number("--items", v, 1, 100_000_000);
                    case "threads" -> o.threads = (int) number("--threads", v, 1, 1024);
                    case "runs" -> o.runs = (int) number("--runs", v, 1, 100);
                    case "runners" -> o.runners = list("--runners", v, RUNNERS);
                    case "stores" -> o.stores = list("--stores", v, STORES);
                    case "postgres" -> {
                        if (!v.startsWith("postgresql://") && !v.startsWith("jdbc:postgresql://")) {
                            throw new IllegalArgumentException("--postgres must be a postgresql://HOST[:PORT]/DB?user=NAME URL, but was '" + v + "'");
                        }
                        o.postgres = v;
                    }
                    case "sweep" -> {
                        List<Integer> levels = new ArrayList<>();
                        for (String s : v.split(",")) {
                            levels.add((int) number("--sweep", s.strip(), 1, 10_000));
                        }
                        o.sweep = List.copyOf(levels);
                    }
                    case "sweep-items" -> o.sweepItems = number("--sweep-items", v, 1, 100_000_000);
                    case "svg" -> o.svg = Path.of(v);
                    case "out" -> o.out = Path.of(v);
                    case "from" -> o.from = Path.of(v);
                    case "timeout" -> o.timeoutSeconds = number("--timeout", v, 1, 86_400);
                    case "child" -> o.child = list("--child", v, RUNNERS).getFirst();
                    case "phase" -> o.phase = list("--phase", v, List.of("peers", "sweep")).getFirst();
                    case "durability" -> o.durability = list("--durability", v, List.of("full", "normal")).getFirst();
                    default -> throw new IllegalArgumentException("unknown option --" + e.getKey() + " (expected --items, --threads, "
                            + "--runs, --runners, --stores, --postgres, --sweep, --sweep-items, --svg, --out, --from, --timeout)");
                }
            }
            if (o.sweepItems < 0) {
                o.sweepItems = o.items;
            }
            return o;
        }

        private static long number(String option, String value, long min, long max) {
            long n;
            try {
                n = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be a whole number from " + min + " to " + max + ", but was '" + value + "'");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(option + " must be from " + min + " to " + max + ", but was " + n);
            }
            return n;
        }

        private static List<String> list(String option, String value, List<String> allowed) {
            List<String> items = Arrays.stream(value.split(",")).map(String::strip).toList();
            for (String item : items) {
                if (!allowed.contains(item)) {
                    throw new IllegalArgumentException(option + " takes " + String.join(", ", allowed) + ", but was '" + item + "'");
                }
            }
            return items;
        }
    }
}
