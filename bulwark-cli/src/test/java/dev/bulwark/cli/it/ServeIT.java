package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.bulwark.jdbc.PgSchemaExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bulwark serve} as a real process: a job submitted over HTTP, SIGTERM while an attempt
 * runs (it finishes within the grace period, the rest is paused, exit code 0), and a second
 * {@code serve} on the same home that finishes the job by itself; {@code serve --store} on the shared
 * PostgreSQL ledger.
 */
class ServeIT {
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("serve_it");

    private static final Duration LONG = Duration.ofMinutes(2);
    private static final Pattern SERVING = Pattern.compile("serving http://127\\.0\\.0\\.1:(\\d+)/api/v1");
    private static final String TOKEN = "serve-it-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private final HttpClient http = HttpClient.newHttpClient();

    private BulwarkProcess serve(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("serve", "--config", "bulwark.yaml", "--port", "0", "--home", "home"));
        args.addAll(List.of(more));
        return BulwarkProcess.in(work).env("SERVE_IT_TOKEN", TOKEN).start(args.toArray(String[]::new));
    }

    private static int port(BulwarkProcess p) {
        Matcher m = SERVING.matcher(p.awaitStderr(line -> SERVING.matcher(line).find(), LONG));
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private JsonNode call(int port, String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1" + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return JSON.readTree(http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void sigterm_drains_and_the_next_serve_finishes_the_job() throws Exception {
        String id = gatedJobStoppedBy("{\"template\": \"gated\", \"items\": [\"a\", \"b\", \"c\"]}", (first, gate) -> {
            first.sigterm();
            first.awaitStderr(line -> line.contains("SIGTERM: shutting down"), LONG);
            Files.writeString(gate, "open"); // the running attempt finishes within the grace period
            assertThat(first.awaitExit(LONG)).as(first.stderr()).isZero();
        });
        JsonNode job = completedByTheNextServe(id, "the job did not complete after the restart");
        assertThat(job.get("counts").get("succeeded").asInt()).isEqualTo(3);
    }

    @Test
    void after_a_kill_9_in_the_middle_of_a_job_the_next_serve_finishes_it() throws Exception {
        String id = gatedJobStoppedBy("{\"template\": \"gated\", \"items\": [\"a\", \"b\"]}", (first, gate) -> {
            List<ProcessHandle> orphans = first.crash();
            Files.writeString(gate, "open");
            BulwarkProcess.awaitGone(orphans, LONG); // the orphaned command ends; its outcome was never recorded
        });
        JsonNode job = completedByTheNextServe(id, "the job did not complete");
        assertThat(job.get("counts").get("succeeded").asInt()).isEqualTo(2);
        assertThat(job.get("counts").get("interruptions").asInt()).isEqualTo(1); // the attempt the crash cut off
    }

    /** How a test ends a serve in the middle of a gated job; {@code gate} is the file that lets the items finish. */
    private interface Stop {
        void stop(BulwarkProcess serve, Path gate) throws Exception;
    }

    /** Serves the gated template, submits {@code body}, lets {@code stop} end the serve once the first item runs; returns the job's id. */
    private String gatedJobStoppedBy(String body, Stop stop) throws Exception {
        Path gate = writeGatedConfig();
        try (BulwarkProcess first = serve()) {
            String id = startGatedJob(port(first), body);
            stop.stop(first, gate);
            return id;
        }
    }

    /** Serves again on the same home until the job completes there, then stops that serve with SIGTERM; returns the job. */
    private JsonNode completedByTheNextServe(String id, String failure) throws Exception {
        try (BulwarkProcess next = serve()) {
            JsonNode job = awaitJob(port(next), id, j -> j.get("status").asText().equals("COMPLETED"), failure);
            next.sigterm();
            assertThat(next.awaitExit(LONG)).isZero();
            return job;
        }
    }

    @Test
    void bulwark_pause_and_cancel_from_another_terminal_reach_the_serving_process() throws Exception {
        writeGatedConfig();
        try (BulwarkProcess server = serve()) {
            int port = port(server);
            String paused = startGatedJob(port, "{\"template\": \"gated\", \"items\": [\"a\"]}");
            String queued = call(port, "POST", "/jobs", "{\"template\": \"gated\", \"items\": [\"b\"]}").get("id").asText();

            BulwarkProcess.Result pause = BulwarkProcess.in(work).run("pause", paused, "--home", "home");
            assertThat(pause.exitCode()).as(pause.toString()).isZero();
            assertThat(pause.out()).contains("PAUSED");
            // the worker is free again: the other job starts; cancel it from the command line too
            awaitJob(port, queued, job -> job.get("currentItems").size() == 1, "the second job did not start");
            BulwarkProcess.Result cancel = BulwarkProcess.in(work).run("cancel", queued.substring(0, 8), "--home", "home");
            assertThat(cancel.exitCode()).as(cancel.toString()).isZero();
            assertThat(cancel.out()).contains("CANCELLED");
            assertThat(call(port, "GET", "/jobs/" + paused, null).get("status").asText()).isEqualTo("PAUSED");
            server.sigterm();
            assertThat(server.awaitExit(LONG)).isZero();
        }
    }

    @Test
    void serve_store_hands_jobs_to_the_workers_of_the_shared_ledger_and_runs_one_itself() throws Exception {
        Path gate = writeGatedConfig();
        Files.writeString(gate, "open");
        String store = PG.url(null);
        try (BulwarkProcess server = serve("--store", store, "--worker-concurrency", "2")) {
            int port = port(server);
            assertThat(server.stderr()).contains("jobs run by the workers of", "concurrency 2");
            String id = call(port, "POST", "/jobs", "{\"template\": \"gated\", \"items\": [\"a\", \"b\", \"c\"]}").get("id").asText();
            JsonNode job = awaitJob(port, id, j -> j.get("status").asText().equals("COMPLETED"), "the job did not complete");
            assertThat(job.get("counts").get("succeeded").asInt()).isEqualTo(3);
            // the shared ledger knows it from anywhere
            BulwarkProcess.Result status = BulwarkProcess.in(work).run("status", "--store", store, id);
            assertThat(status.exitCode()).as(status.toString()).isZero();
            assertThat(status.out()).contains("COMPLETED");
            server.sigterm();
            assertThat(server.awaitExit(LONG)).as(server.stderr()).isZero();
            assertThat(server.stderr()).contains("run again on the other workers");
        }
    }

    @Test
    void serve_store_needs_the_shared_ledger_of_the_workers() throws Exception {
        // Any template is served with --store (workers honour every policy); the store must be PostgreSQL.
        Files.writeString(work.resolve("bulwark.yaml"), """
                templates:
                  plain: {command: [echo]}
                  undo: {command: [echo], critical-exit: [9], on-critical: rollback, compensate: [echo, undo]}
                """);
        BulwarkProcess.Result sqlite = BulwarkProcess.in(work).run("serve", "--config", "bulwark.yaml", "--home", "home",
                "--store", "sqlite:ledger.db");
        assertThat(sqlite.exitCode()).isEqualTo(64);
        assertThat(sqlite.stderr()).contains("serve --store needs the shared ledger of the workers");
    }

    /** Submits a job of the gated template and waits until its first item runs. */
    private String startGatedJob(int port, String body) throws IOException, InterruptedException {
        String id = call(port, "POST", "/jobs", body).get("id").asText();
        awaitJob(port, id, job -> job.get("currentItems").size() == 1, "no item started");
        return id;
    }

    @Test
    void with_json_logs_serve_writes_an_access_log_of_route_templates_status_and_tenant_and_never_the_token() throws Exception {
        writeGatedConfig();
        String unknown = "00000000-0000-0000-0000-000000000000";
        try (BulwarkProcess server = serve("--log-format", "json")) {
            int port = port(server);
            call(port, "GET", "/jobs/" + unknown, null);
            call(port, "GET", "/jobs", null);
            server.awaitStderr(line -> line.contains("\"route\":\"/api/v1/jobs\""), LONG);
            server.sigterm();
            assertThat(server.awaitExit(LONG)).isZero();

            List<JsonNode> access = new java.util.ArrayList<>();
            for (String line : server.stderrLines()) {
                if (line.startsWith("{")) {
                    JsonNode entry = JSON.readTree(line);
                    if ("dev.bulwark.access".equals(entry.path("logger_name").asText())) {
                        access.add(entry);
                    }
                }
            }
            assertThat(access).anySatisfy(entry -> {
                assertThat(entry.get("method").asText()).isEqualTo("GET");
                assertThat(entry.get("route").asText()).isEqualTo("/api/v1/jobs/{id}");
                assertThat(entry.get("status").asInt()).isEqualTo(404);
                assertThat(entry.get("tenant").asText()).isEqualTo("it");
                assertThat(entry.get("duration_ms").isNumber()).isTrue();
            });
            assertThat(access).anySatisfy(entry -> assertThat(entry.get("route").asText()).isEqualTo("/api/v1/jobs"));
            assertThat(server.stderr()).doesNotContain(TOKEN).doesNotContain(unknown);
        }
    }

    private Path writeGatedConfig() throws IOException {
        Path gate = work.resolve("gate");
        Files.writeString(work.resolve("bulwark.yaml"), """
                server: {workers: 1, shutdown-grace: 1m}
                tiers: {gold: {priority: 1}}
                tokens:
                  - {token-env: SERVE_IT_TOKEN, tenant: it, tier: gold, roles: [read, submit, admin]}
                templates:
                  gated:
                    command: ['while [ ! -e "%s" ]; do sleep 0.05; done; echo "done $1"']
                    shell: true
                    retries: 0
                """.formatted(gate));
        return gate;
    }

    private JsonNode awaitJob(int port, String id, java.util.function.Predicate<JsonNode> condition, String what) {
        JsonNode[] last = new JsonNode[1];
        BulwarkProcess.await(() -> {
            try {
                last[0] = call(port, "GET", "/jobs/" + id, null);
                return condition.test(last[0]);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, LONG, () -> what + ": " + last[0]);
        return last[0];
    }

    @Test
    void a_configuration_without_tokens_is_refused_beyond_loopback() throws Exception {
        Files.writeString(work.resolve("bulwark.yaml"), "templates:\n  t: {command: [echo]}\n");
        BulwarkProcess.Result r = BulwarkProcess.in(work).run("serve", "--config", "bulwark.yaml", "--bind", "0.0.0.0", "--home", "home");
        assertThat(r.exitCode()).isEqualTo(64);
        assertThat(r.stderr()).contains("server.bind is 0.0.0.0").contains("configure tokens");
        BulwarkProcess.Result missing = BulwarkProcess.in(work).run("serve", "--config", "nope.yaml", "--home", "home");
        assertThat(missing.exitCode()).isEqualTo(64);
        assertThat(missing.stderr()).contains("--config nope.yaml: no such file");
    }
}
