package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.Attempt;
import dev.bulwark.BulwarkClock;
import dev.bulwark.jdbc.PgSchemaExtension;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerJobControl;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.jdbc.worker.WorkerStats;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --store}: the API on a shared PostgreSQL ledger, its jobs run by workers (the server's own and others). */
class SharedLedgerTest {
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("serve_store");

    @TempDir
    Path dir;

    private ServerFixture start(int concurrency) throws Exception {
        WorkerOptions options = WorkerOptions.builder("serve-test").concurrency(concurrency).build();
        return PG.closeAfter(ServerFixture.startShared(dir, () -> PostgresLedger.open(PG.url(null)), options));
    }

    @Test
    void a_submitted_job_is_handed_to_the_workers_and_run_by_the_servers_own_worker() throws Exception {
        ServerFixture f = start(2);
        String id = f.submit(ACME, "{\"template\": \"echo\", \"items\": [\"one\", \"two words\"], \"params\": {\"mode\": \"slow\"}}");
        assertThat(new WorkQueue((PostgresLedger) f.ledger).isWorkerJob(UUID.fromString(id))).isTrue();

        JsonNode done = f.awaitStatus(id, ACME, "COMPLETED");
        assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(2);
        JsonNode items = json(f.get("/api/v1/jobs/" + id + "/items", ACME)).get("items");
        assertThat(items).hasSize(2);
        HttpResponse<String> log = f.get("/api/v1/jobs/" + id + "/items/2/log", ACME);
        assertThat(log.statusCode()).isEqualTo(200);
        assertThat(log.body()).contains("processed two words with slow");
        assertThat(f.ledger.attempts(UUID.fromString(id), 1)).extracting(Attempt::worker).containsExactly("serve-test");
    }

    @Test
    void another_worker_shares_the_items_and_the_event_stream_follows_the_ledger() throws Exception {
        ServerFixture f = start(2);
        PostgresLedger otherLedger = PG.closeAfter(PostgresLedger.open(PG.url(null)));
        Worker other = new Worker(new WorkQueue(otherLedger), WorkerOptions.builder("elsewhere").concurrency(3).build(),
                WorkerJobControl::commandHandler, item -> dir.resolve("elsewhere").resolve(item.seq() + ".log"),
                BulwarkClock.system(), RandomGenerator.getDefault());
        ExecutorService threads = Executors.newSingleThreadExecutor();
        Future<WorkerStats> running = threads.submit(other::run);
        try {
            String id = f.submit(ACME, "{\"template\": \"spread\", \"items\": [\"a\", \"b\", \"c\", \"d\"]}");
            // the job's limit is 4 across workers, and the other worker runs at most 3: 4 running means both hold items
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> f.job(id, ACME).get("counts").get("running").asInt() == 4);
            HttpResponse<java.util.stream.Stream<String>> events = f.http.send(
                    HttpRequest.newBuilder(f.uri("/api/v1/jobs/" + id + "/events")).header("Authorization", "Bearer " + ACME)
                            .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofLines());
            java.util.Iterator<String> stream = events.body().iterator();
            List<String> lines = new java.util.ArrayList<>();
            while (!lines.contains("event: snapshot")) { // subscribed: every outcome from now on is announced
                lines.add(stream.next());
            }
            f.openGate();
            f.awaitStatus(id, ACME, "COMPLETED");
            Set<String> workers = new HashSet<>();
            for (long seq = 1; seq <= 4; seq++) {
                f.ledger.attempts(UUID.fromString(id), seq).forEach(a -> workers.add(a.worker()));
            }
            assertThat(workers).containsExactlyInAnyOrder("serve-test", "elsewhere");
            for (long seq = 1; seq <= 4; seq++) { // logs of items run elsewhere are not served here
                String worker = f.ledger.attempts(UUID.fromString(id), seq).getFirst().worker();
                HttpResponse<String> log = f.get("/api/v1/jobs/" + id + "/items/" + seq + "/log", ACME);
                assertThat(log.statusCode()).isEqualTo(worker.equals("serve-test") ? 200 : 404);
                assertThat(log.body()).contains(worker.equals("serve-test") ? "spread" : "only the logs of items that this server's own worker ran");
            }
            // the stream ends by itself after job_finished; each item's outcome is in it, whichever worker ran it
            stream.forEachRemaining(lines::add);
            assertThat(lines).contains("event: snapshot", "event: job_finished");
            assertThat(String.join("\n", lines)).contains("\"status\":\"COMPLETED\"");
            List<JsonNode> succeeded = new java.util.ArrayList<>();
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).equals("event: item_succeeded")) {
                    succeeded.add(dev.bulwark.util.Json.readTree(lines.get(i + 1).substring("data: ".length())));
                }
            }
            assertThat(succeeded).extracting(e -> e.get("seq").asLong()).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
            assertThat(succeeded).extracting(e -> e.get("worker").asText()).contains("serve-test", "elsewhere");
            assertThat(lines.indexOf("event: job_finished"))
                    .as("the job's end comes after its items' outcomes").isGreaterThan(lines.lastIndexOf("event: item_succeeded"));
        } finally {
            other.stopNow();
            running.get(30, TimeUnit.SECONDS);
            threads.shutdown();
        }
    }

    @Test
    void pause_and_cancel_reach_the_workers_and_retry_failed_hands_items_back() throws Exception {
        ServerFixture f = start(2);
        String id = f.submit(ACME, "{\"template\": \"gate\", \"items\": [\"x\", \"y\"]}");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> f.job(id, ACME).get("counts").get("running").asInt() == 1);

        HttpResponse<String> pause = f.post("/api/v1/jobs/" + id + "/pause", ACME, null);
        assertThat(pause.statusCode()).as(pause.body()).isEqualTo(202);
        // The worker stops the running attempt and records it as interrupted; nothing is claimed while paused.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> f.job(id, ACME).get("counts").get("running").asInt() == 0);
        JsonNode paused = f.job(id, ACME);
        assertThat(paused.get("status").asText()).isEqualTo("PAUSED");
        assertThat(paused.get("counts").get("pending").asInt()).isEqualTo(2);
        assertThat(f.post("/api/v1/jobs/" + id + "/resume", ACME, null).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> f.job(id, ACME).get("counts").get("running").asInt() == 1);

        HttpResponse<String> cancel = f.post("/api/v1/jobs/" + id + "/cancel", ACME, null);
        assertThat(cancel.statusCode()).isEqualTo(202);
        JsonNode cancelled = f.job(id, ACME);
        assertThat(cancelled.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelled.get("counts").get("skipped").asInt()).isEqualTo(2);
        assertThat(f.post("/api/v1/jobs/" + id + "/cancel", ACME, null).statusCode()).isEqualTo(409);

        String failing = f.submit(ACME, "{\"template\": \"fail\", \"items\": [\"good\", \"bad\"]}");
        f.awaitStatus(failing, ACME, "PARTIAL");
        HttpResponse<String> retry = f.post("/api/v1/jobs/" + failing + "/retry-failed", ACME, null);
        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(json(retry).get("id").asText()).isEqualTo(failing); // QUEUED, or already taken by the worker
        f.awaitStatus(failing, ACME, "PARTIAL");
        assertThat(f.ledger.attempts(UUID.fromString(failing), 2)).hasSize(2);
        assertThat(f.post("/api/v1/jobs/" + failing + "/resume", ACME, null).statusCode()).isEqualTo(409);
    }

    @Test
    void a_shared_breaker_is_listed_and_reset_for_every_worker() throws Exception {
        ServerFixture f = start(2);
        f.openGate(); // beta items fail until 'up' exists; the template's breaker opens after two failures in a row
        String id = f.submit(ACME, "{\"template\": \"hosts\", \"items\": [\"beta/1\", \"beta/2\", \"alpha/1\", \"beta/3\"]}");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> f.job(id, ACME).get("counts").get("succeeded").asInt() == 1); // alpha/1: beta/3 waits
        JsonNode open = json(f.get("/api/v1/breakers", ACME)).get("breakers");
        assertThat(open).hasSize(1);
        assertThat(open.get(0).get("scope").asText()).isEqualTo("beta");
        assertThat(open.get(0).get("state").asText()).isEqualTo("OPEN");
        assertThat(f.job(id, ACME).get("counts").get("pending").asInt()).isEqualTo(1);

        java.nio.file.Files.writeString(f.up, "up");
        HttpResponse<String> reset = f.post("/api/v1/breakers/" + id + "/beta/reset", ACME, null);
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        JsonNode done = f.awaitStatus(id, ACME, "PARTIAL");
        assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(2);
        assertThat(done.get("counts").get("failed").asInt()).isEqualTo(2);
        assertThat(f.post("/api/v1/breakers/" + id + "/beta/reset", ACME, null).statusCode()).isEqualTo(409);
    }

    @Test
    void idempotency_keys_hold_across_a_restart_on_the_shared_ledger() throws Exception {
        ServerFixture f = start(2);
        String body = "{\"template\": \"echo\", \"items\": [\"a\"]}";
        HttpResponse<String> first = f.send("POST", "/api/v1/jobs", ACME, body, Map.of("Idempotency-Key", "order-7"));
        assertThat(first.statusCode()).isEqualTo(201);
        String id = json(first).get("id").asText();
        f.awaitStatus(id, ACME, "COMPLETED");

        f.stopServer(Duration.ofSeconds(5));
        f.startServer(BulwarkClock.system());
        HttpResponse<String> again = f.send("POST", "/api/v1/jobs", ACME, body, Map.of("Idempotency-Key", "order-7"));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(json(again).get("id").asText()).isEqualTo(id);
        assertThat(json(f.get("/api/v1/jobs", ACME)).get("total").asInt()).isEqualTo(1);
    }

    @Test
    void templates_with_any_policy_are_served_on_the_shared_ledger() throws Exception {
        ServerFixture plain = new ServerFixture(dir, "  port: 0"); // its rollback template rolls back on a critical error
        try (PostgresLedger ledger = PostgresLedger.open(PG.url(null));
             BulwarkServer server = BulwarkServer.builder().config(ServerConfig.load(plain.configFile)).ledger(ledger)
                     .sharedLedger(WorkerOptions.builder("serve-test").build()).build()) {
            assertThat(server.config().templates()).containsKey("rollback");
        }
    }
}
