package dev.bulwark.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.BulwarkClock;
import dev.bulwark.util.Json;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.ledger.Ledger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;

/**
 * A real server on a loopback ephemeral port, with a real SQLite ledger in a temporary folder,
 * templates that run real processes, and an HTTP client. Tokens: {@code ACME} (enterprise, every
 * role), {@code ACME_READER} (read only), {@code ACME_SUBMITTER} (read, submit), {@code OTHER}
 * (tenant globex, free, every role), {@code GLOBEX_READER} (globex, read only). Template {@code hosts}
 * has a breaker per folder of its keys ({@code beta/1} is in scope {@code beta}) that opens after
 * two failures in a row and stays open 10 minutes; {@code recovering} fails until {@code up}
 * exists, with a breaker open for 200 ms after each failure; {@code halting} halts the job when its one
 * breaker opens ({@code bad*} items fail); {@code rollback} rolls back on exit 99 ({@code crit*}
 * items), writing {@code undo ITEM} lines to the file {@code undone}; {@code convert} takes uploads
 * ({@code POST /uploads}) into its root {@code uploads} and prints each file; {@code produce} writes
 * {@code result.txt} (and a link, a folder and a hidden file, which are not outputs) into each item's
 * output folder under {@code outputs}.
 */
final class ServerFixture implements AutoCloseable {
    static final String ACME = "acme-admin-token-0123456789";
    static final String ACME_READER = "acme-reader-token-0123456789";
    static final String ACME_SUBMITTER = "acme-submit-token-0123456789";
    static final String OTHER = "globex-token-0123456789abcdef";
    static final String GLOBEX_READER = "globex-reader-token-0123456789";

    final Path dir;
    final Path inbox;
    final Path gate;
    /** Without this file, the {@code hosts} template's items of scope {@code beta} fail. */
    final Path up;
    final Path configFile;
    Ledger ledger;
    /** With a shared PostgreSQL ledger: how to open it, and the options of the server's own worker; else null. */
    private Supplier<PostgresLedger> sharedLedger;
    private WorkerOptions workerOptions;
    BulwarkServer server;
    /** How long a request body may pause; null for the server's default. */
    Duration requestBodyTimeout;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServerFixture(Path dir, String serverSection) throws IOException {
        this.dir = dir;
        this.inbox = Files.createDirectories(dir.resolve("inbox"));
        this.gate = dir.resolve("gate");
        this.up = dir.resolve("up");
        Files.createDirectories(inbox.resolve("sub"));
        Files.writeString(inbox.resolve("a.txt"), "alpha\n");
        Files.writeString(inbox.resolve("b.txt"), "beta\n");
        Files.writeString(inbox.resolve("sub/c.txt"), "gamma\n");
        Files.writeString(dir.resolve("secret.txt"), "outside the root\n");
        Files.createDirectories(dir.resolve("uploads"));
        this.configFile = dir.resolve("bulwark.yaml");
        Files.writeString(configFile, """
                server:
                %s
                tiers:
                  enterprise: {priority: 1, max-items: 1000, max-running-jobs: 5, max-request-bytes: 65536}
                  free: {priority: 10, max-items: 5, max-running-jobs: 1, max-request-bytes: 2048, max-upload-bytes: 1024,
                         max-upload-files: 2, max-upload-total: 3000}
                tokens:
                  - {token: %s, tenant: acme, tier: enterprise, roles: [read, submit, admin]}
                  - {token: %s, tenant: acme, tier: enterprise, roles: [read]}
                  - {token: %s, tenant: acme, tier: enterprise, roles: [read, submit]}
                  - {token: %s, tenant: globex, tier: free, roles: [read, submit, admin]}
                  - {token: %s, tenant: globex, tier: free, roles: [read]}
                templates:
                  echo:
                    command: ['echo "processed $1 with {param:mode}"']
                    shell: true
                    retries: 0
                    params:
                      mode: {pattern: '[a-z]{1,10}', default: fast}
                  cat:
                    command: [cat, '{}']
                    roots: {inbox: inbox}
                    retries: 0
                  produce:
                    command: [sh, -c, 'echo "out of $1" > "$2/result.txt"; ln -s %s "$2/link.txt"; mkdir "$2/sub"; echo x > "$2/.hidden"; echo "$BULWARK_OUTPUTS" > "$2/where.txt"', sh, '{}', '{output}']
                    outputs: outputs
                    retries: 0
                  convert:
                    command: [cat, '{}']
                    roots: {uploads: uploads}
                    uploads: uploads
                    retries: 0
                  fail:
                    command: ['case "$1" in bad*) exit 3;; esac; echo ok']
                    shell: true
                    retries: 0
                    permanent-exit: [3]
                  gate:
                    command: ['while [ ! -e "%s" ]; do sleep 0.02; done; echo "passed $1"']
                    shell: true
                    retries: 0
                    kill-grace: 1s
                  hosts:
                    command: ['while [ ! -e "%s" ]; do sleep 0.02; done; case "$1" in beta/*) test -e "%s" || exit 1;; esac; echo "done $1"']
                    shell: true
                    retries: 0
                    kill-grace: 1s
                    breaker: consecutive=2
                    breaker-scope: '{//}'
                    breaker-open: 10m
                    on-open: pause
                  recovering:
                    command: ['while [ ! -e "%s" ]; do sleep 0.02; done; test -e "%s"']
                    shell: true
                    retries: 6
                    backoff: 50ms
                    breaker: consecutive=1
                    breaker-open: 200ms
                  halting:
                    command: ['case "$1" in bad*) exit 1;; esac; echo "ok $1"']
                    shell: true
                    retries: 0
                    breaker: consecutive=2
                    breaker-open: 10m
                    on-open: halt
                  rollback:
                    command: ['case "$1" in crit*) exit 99;; esac; echo "did $1"']
                    shell: true
                    retries: 0
                    critical-exit: [99]
                    on-critical: rollback
                    compensate: ['echo "undo $1" >> "%s"']
                """.formatted(serverSection, ACME, ACME_READER, ACME_SUBMITTER, OTHER, GLOBEX_READER, dir.resolve("secret.txt"),
                gate, gate, up, gate, up, dir.resolve("undone")));
    }

    static ServerFixture start(Path dir) throws IOException {
        return start(dir, "  port: 0\n  workers: 4");
    }

    static ServerFixture start(Path dir, String serverSection) throws IOException {
        ServerFixture f = new ServerFixture(dir, serverSection);
        f.startServer(BulwarkClock.system());
        return f;
    }

    /**
     * A server on a shared PostgreSQL ledger ({@code serve --store}) whose own worker has
     * {@code options}. Its configuration has, instead of the {@code rollback} template,
     * {@code spread}: the {@code gate} template with concurrency 4.
     */
    static ServerFixture startShared(Path dir, Supplier<PostgresLedger> ledgers, WorkerOptions options) throws IOException {
        ServerFixture f = new ServerFixture(dir, "  port: 0\n  workers: 4");
        f.replaceRollbackTemplate("""
                  spread:
                    command: ['while [ ! -e "%s" ]; do sleep 0.02; done; echo "spread $1"']
                    shell: true
                    concurrency: 4
                    retries: 0
                """.formatted(f.gate));
        f.sharedLedger = ledgers;
        f.workerOptions = options;
        f.startServer(BulwarkClock.system());
        return f;
    }

    /**
     * Puts a template (YAML indented as an entry of {@code templates}) in place of the last one,
     * {@code rollback}, in the configuration; before {@link #startServer}.
     */
    void replaceRollbackTemplate(String yaml) throws IOException {
        String config = Files.readString(configFile);
        Files.writeString(configFile, config.substring(0, config.indexOf("  rollback:")) + yaml);
    }

    void startServer(BulwarkClock clock) {
        BulwarkServer.Builder b = BulwarkServer.builder().config(ServerConfig.load(configFile))
                .logDirectory(dir.resolve("logs")).clock(clock).worker("test");
        if (requestBodyTimeout != null) {
            b.requestBodyTimeout(requestBodyTimeout);
        }
        if (sharedLedger != null) {
            ledger = sharedLedger.get();
            b.sharedLedger(workerOptions);
        } else {
            ledger = SqliteLedger.open(dir.resolve("ledger.db"));
        }
        server = b.ledger(ledger).build().start();
    }

    void stopServer(Duration grace) {
        server.shutdown(grace);
        ledger.close();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpResponse<String> send(String method, String path, String token, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null && !headers.containsKey("Content-Type")) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String path, String token) {
        return send("GET", path, token, null, Map.of());
    }

    HttpResponse<String> post(String path, String token, String body) {
        return send("POST", path, token, body, Map.of());
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** The value of one series (name and labels as printed) in a Prometheus text scrape; fails when absent. */
    static double metric(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no " + series + " in\n" + scrape));
    }

    /** Submits and returns the new job's id (fails unless 201). */
    String submit(String token, String body) {
        HttpResponse<String> r = post("/api/v1/jobs", token, body);
        if (r.statusCode() != 201) {
            throw new AssertionError("submit answered " + r.statusCode() + ": " + r.body());
        }
        return json(r).get("id").asText();
    }

    /** Submits, waits (polling, bounded) until the new job has {@code status} and returns its id. */
    String submitAndAwait(String token, String body, String status) {
        String id = submit(token, body);
        awaitStatus(id, token, status);
        return id;
    }

    JsonNode job(String id, String token) {
        return json(get("/api/v1/jobs/" + id, token));
    }

    /** Waits (polling, bounded) until the job has {@code status}. */
    JsonNode awaitStatus(String id, String token, String status) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> job(id, token).get("status").asText().equals(status));
        return job(id, token);
    }

    void openGate() throws IOException {
        Files.writeString(gate, "open");
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdown(Duration.ZERO);
        }
        if (ledger != null) {
            ledger.close();
        }
    }
}
