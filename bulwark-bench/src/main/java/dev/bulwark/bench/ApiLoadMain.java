package dev.bulwark.bench;

import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.server.BulwarkServer;
import dev.bulwark.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * A bounded load test of the REST API on loopback: starts a real {@link BulwarkServer} (SQLite
 * ledger in a temporary folder, one token), then sends a fixed number of requests from a fixed
 * number of concurrent clients, phase by phase, and prints one JSON line per phase with the
 * request rate and the latency percentiles. Each phase stops after {@value #PHASE_LIMIT_SECONDS}
 * seconds at most; the folder is deleted at the end.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp CLASSPATH dev.bulwark.bench.ApiLoadMain REQUESTS CLIENTS
 * </pre>
 *
 * Phases: {@code status} ({@code GET /jobs/{id}} of a finished 100-item job), {@code list}
 * ({@code GET /jobs?limit=20}) and {@code submit} ({@code POST /jobs} with one item each, run by
 * the {@code true} command while the phase goes on).
 */
public final class ApiLoadMain {
    private static final String TOKEN = "load-test-token-0123456789";
    private static final long PHASE_LIMIT_SECONDS = 120;
    private static final int MAX_REQUESTS = 1_000_000;
    private static final int MAX_CLIENTS = 256;

    private ApiLoadMain() {
    }

    /** One phase's result. */
    record Result(String phase, int requests, int errors, double seconds, double perSecond, double p50Ms, double p99Ms, double maxMs) {
        String toJson() {
            return String.format(Locale.ROOT, "{\"phase\":\"%s\",\"requests\":%d,\"errors\":%d,\"seconds\":%.2f,"
                    + "\"requests_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}",
                    phase, requests, errors, seconds, perSecond, p50Ms, p99Ms, maxMs);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ApiLoadMain REQUESTS CLIENTS   (requests per phase, concurrent clients)");
            System.exit(2);
        }
        int requests = Integer.parseInt(args[0].replace("_", ""));
        int clients = Integer.parseInt(args[1]);
        if (requests < 1 || requests > MAX_REQUESTS || clients < 1 || clients > MAX_CLIENTS) {
            System.err.println("REQUESTS must be 1-" + MAX_REQUESTS + " and CLIENTS 1-" + MAX_CLIENTS);
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("bulwark-api-load-");
        try {
            run(dir, requests, clients);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void run(Path dir, int requests, int clients) throws Exception {
        Path config = dir.resolve("bulwark.yaml");
        Files.writeString(config, """
                server: {port: 0, workers: 4}
                tiers:
                  load: {priority: 1, max-items: 1000, max-running-jobs: 4, max-request-bytes: 65536}
                tokens:
                  - {token: %s, tenant: load, tier: load, roles: [read, submit, admin]}
                templates:
                  noop: {command: ['true'], concurrency: 4, retries: 0}
                """.formatted(TOKEN));
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"))) {
            BulwarkServer server = BulwarkServer.builder().config(ServerConfig.load(config)).ledger(ledger)
                    .logDirectory(dir.resolve("logs")).build().start();
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String base = "http://127.0.0.1:" + server.port() + "/api/v1";
                String items = String.join(",", java.util.Collections.nCopies(100, "\"x\""));
                String seed = send(http, post(base + "/jobs", "{\"template\": \"noop\", \"items\": [" + items + "]}")).body();
                String id = seed.replaceAll(".*\"id\":\"([0-9a-f-]{36})\".*", "$1");
                IntFunction<HttpRequest> status = i -> get(base + "/jobs/" + id);
                phase("warm-up", Math.min(2000, requests), clients, http, status); // JIT, connections
                System.out.println(phase("status", requests, clients, http, status).toJson());
                System.out.println(phase("list", requests, clients, http, i -> get(base + "/jobs?limit=20")).toJson());
                System.out.println(phase("submit", Math.min(requests, 2000), clients, http,
                        i -> post(base + "/jobs", "{\"template\": \"noop\", \"items\": [\"" + i + "\"]}")).toJson());
            } finally {
                server.shutdown(Duration.ofSeconds(10));
            }
        }
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN).build();
    }

    private static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static HttpResponse<String> send(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static Result phase(String name, int requests, int clients, HttpClient http, IntFunction<HttpRequest> request)
            throws InterruptedException {
        long[] latencies = new long[requests];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicLong done = new AtomicLong();
        long deadline = System.nanoTime() + Duration.ofSeconds(PHASE_LIMIT_SECONDS).toNanos();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            for (int c = 0; c < clients; c++) {
                pool.execute(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < requests && System.nanoTime() < deadline) {
                        long t0 = System.nanoTime();
                        try {
                            int code = send(http, request.apply(i)).statusCode();
                            if (code >= 300) {
                                errors.incrementAndGet();
                            }
                        } catch (IOException | InterruptedException e) {
                            errors.incrementAndGet();
                        }
                        latencies[i] = System.nanoTime() - t0;
                        done.incrementAndGet();
                    }
                });
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int n = (int) done.get();
        long[] measured = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
        return new Result(name, n, errors.get(), seconds, n / seconds, percentile(measured, 0.50),
                percentile(measured, 0.99), measured.length == 0 ? 0 : measured[measured.length - 1] / 1e6);
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }
}
