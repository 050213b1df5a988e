package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceHappyPathTest extends ServerTest {
    @Test
    void a_submitted_job_runs_to_completion_and_every_route_shows_it() {
        HttpResponse<String> created = f.post("/api/v1/jobs", ACME,
                "{\"template\": \"echo\", \"name\": \"greetings\", \"items\": [\"one\", \"two words\", \"$(reboot)\"], \"params\": {\"mode\": \"slow\"}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = json(created).get("id").asText();
        assertThat(created.headers().firstValue("Location")).contains("/api/v1/jobs/" + id);
        assertThat(json(created).get("statusUrl").asText()).isEqualTo("/api/v1/jobs/" + id);

        JsonNode job = f.awaitStatus(id, ACME, "COMPLETED");
        assertThat(job.get("name").asText()).isEqualTo("greetings");
        assertThat(job.get("counts").get("succeeded").asLong()).isEqualTo(3);
        assertThat(job.get("progress").get("percent").asDouble()).isEqualTo(100.0);
        assertThat(job.get("openBreakers").isArray()).isTrue();
        assertThat(job.get("tier").asText()).isEqualTo("enterprise");

        JsonNode items = json(f.get("/api/v1/jobs/" + id + "/items?limit=2", ACME));
        assertThat(items.get("items")).hasSize(2);
        assertThat(items.get("next").asText()).contains("after=2");
        JsonNode rest = json(f.get(items.get("next").asText(), ACME));
        assertThat(rest.get("items").get(0).get("key").asText()).isEqualTo("$(reboot)");

        HttpResponse<String> log = f.get("/api/v1/jobs/" + id + "/items/3/log", ACME);
        assertThat(log.statusCode()).isEqualTo(200);
        assertThat(log.body()).contains("processed $(reboot) with slow");

        JsonNode list = json(f.get("/api/v1/jobs?status=COMPLETED", ACME));
        assertThat(list.get("jobs").get(0).get("id").asText()).isEqualTo(id);
        assertThat(json(f.get("/api/v1/jobs?status=RUNNING", ACME)).get("total").asInt()).isZero();

        JsonNode stats = json(f.get("/api/v1/stats", ACME));
        assertThat(stats.get("tiers").get("enterprise").get("completed").asLong()).isEqualTo(1);

        HttpResponse<String> metrics = f.get("/api/v1/metrics", ACME);
        assertThat(metrics.body()).contains("bulwark_items_total{outcome=\"succeeded\"} 3.0")
                .contains("bulwark_attempt_duration_seconds_count").contains("bulwark_queue_waiting")
                .contains("jvm_memory_used_bytes").contains("jvm_threads_live_threads").contains("process_uptime_seconds")
                .contains("process_cpu_usage");

        assertThat(json(f.get("/api/v1/health", null)).get("status").asText()).isEqualTo("UP");
        assertThat(json(f.get("/api/v1/openapi.json", null)).get("openapi").asText()).startsWith("3.");

        assertThat(f.send("DELETE", "/api/v1/jobs/" + id, ACME, null, Map.of()).statusCode()).isEqualTo(204);
        assertThat(f.get("/api/v1/jobs/" + id, ACME).statusCode()).isEqualTo(404);
    }

    @Test
    void failed_items_are_listed_and_retry_failed_runs_them_again() {
        String id = f.submit(ACME, "{\"template\": \"fail\", \"items\": [\"good-1\", \"bad-2\", \"good-3\"]}");
        JsonNode job = f.awaitStatus(id, ACME, "PARTIAL");
        assertThat(job.get("counts").get("failed").asLong()).isEqualTo(1);
        JsonNode failed = json(f.get("/api/v1/jobs/" + id + "/items?status=FAILED", ACME)).get("items");
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).get("key").asText()).isEqualTo("bad-2");
        assertThat(failed.get(0).get("category").asText()).isEqualTo("exit:3");
        assertThat(failed.get(0).get("errorClass").asText()).isEqualTo("PERMANENT");

        assertThat(f.post("/api/v1/jobs/" + id + "/retry-failed", ACME, null).statusCode()).isEqualTo(202);
        // retried, it fails again: the job ends PARTIAL again, with a second attempt on the item
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                json(f.get("/api/v1/jobs/" + id + "/items?status=FAILED", ACME)).get("items").get(0).get("attempts").asInt() == 1
                        && f.job(id, ACME).get("status").asText().equals("PARTIAL")
                        && f.ledger.attempts(java.util.UUID.fromString(id), 2).size() == 2);
        assertThat(f.post("/api/v1/jobs/" + id + "/resume", ACME, null).statusCode()).isEqualTo(409);
    }

    @Test
    void file_templates_take_files_inside_their_root_inline_or_by_folder_and_glob() {
        String inline = f.submit(ACME, "{\"template\": \"cat\", \"items\": [\"a.txt\", \"sub/c.txt\"]}");
        f.awaitStatus(inline, ACME, "COMPLETED");
        assertThat(f.get("/api/v1/jobs/" + inline + "/items/2/log", ACME).body()).contains("gamma");

        String folder = f.submit(ACME, "{\"template\": \"cat\", \"folder\": \".\", \"glob\": \"*.txt\", \"recursive\": true}");
        JsonNode job = f.awaitStatus(folder, ACME, "COMPLETED");
        assertThat(job.get("total").asLong()).isEqualTo(3);
    }

    @Test
    void the_event_stream_starts_with_a_snapshot_carries_item_outcomes_and_ends_with_the_job() throws Exception {
        String id = f.submit(ACME, "{\"template\": \"gate\", \"items\": [\"x\", \"y\"]}");
        HttpRequest request = HttpRequest.newBuilder(f.uri("/api/v1/jobs/" + id + "/events"))
                .header("Authorization", "Bearer " + ACME).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build();
        HttpResponse<java.io.InputStream> response = f.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("text/event-stream"));
        List<String> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) { // the server ends the stream after job_finished
                if (line.startsWith("event:")) {
                    events.add(line.substring(6).trim());
                    if (events.size() == 1) {
                        f.openGate(); // subscribed (the snapshot came): now let the items finish
                    }
                }
            }
        }
        assertThat(events.getFirst()).isEqualTo("snapshot");
        assertThat(events).containsSubsequence("item_succeeded", "item_succeeded", "job_finished");
        assertThat(events.getLast()).isEqualTo("job_finished");
        assertThat(f.job(id, ACME).get("status").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void a_queued_or_running_job_can_be_paused_resumed_and_cancelled() throws Exception {
        String id = f.submit(ACME, "{\"template\": \"gate\", \"items\": [\"x\", \"y\"]}");
        f.awaitStatus(id, ACME, "RUNNING");
        assertThat(f.post("/api/v1/jobs/" + id + "/pause", ACME, null).statusCode()).isEqualTo(202);
        f.awaitStatus(id, ACME, "PAUSED");
        assertThat(f.send("DELETE", "/api/v1/jobs/" + id, ACME, null, Map.of()).statusCode()).isEqualTo(409);
        assertThat(f.post("/api/v1/jobs/" + id + "/resume", ACME, null).statusCode()).isEqualTo(202);
        f.awaitStatus(id, ACME, "RUNNING");
        assertThat(f.post("/api/v1/jobs/" + id + "/cancel", ACME, null).statusCode()).isEqualTo(202);
        JsonNode job = f.awaitStatus(id, ACME, "CANCELLED");
        assertThat(job.get("counts").get("skipped").asLong()).isEqualTo(2);
        assertThat(f.post("/api/v1/jobs/" + id + "/cancel", ACME, null).statusCode()).isEqualTo(409);
    }
}
