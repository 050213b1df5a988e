package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.ACME_READER;
import static dev.bulwark.server.ServerFixture.ACME_SUBMITTER;
import static dev.bulwark.server.ServerFixture.OTHER;
import static dev.bulwark.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A template's circuit breaker through the API: it opens on a failing scope while another scope
 * completes; the job status, {@code /breakers}, the event stream and {@code /metrics} show it;
 * a reset by hand closes it, and only the job's own tenant with the submit role may reset it.
 */
class BreakerRoutesTest extends ServerTest {
    /** beta fails twice in a row (the breaker opens), the alpha items go on, beta/3 and beta/4 wait. */
    private static final String HOSTS = "{\"template\": \"hosts\", \"items\": [\"beta/1\", \"beta/2\", \"alpha/1\", "
            + "\"alpha/2\", \"beta/3\", \"beta/4\", \"alpha/3\"]}";

    @Test
    void a_breaker_opens_on_a_failing_scope_while_another_completes_and_a_reset_lets_its_items_go() throws Exception {
        String id = f.submit(ACME, HOSTS);
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        Thread reader = Thread.ofVirtual().start(() -> readEvents(id, events, subscribed));
        assertThat(subscribed.await(30, TimeUnit.SECONDS)).isTrue();
        f.openGate(); // the items start only once the stream is subscribed: it sees every transition

        await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("breaker_opened")
                && f.job(id, ACME).get("counts").get("succeeded").asInt() == 3);
        JsonNode job = f.job(id, ACME);
        assertThat(job.get("status").asText()).isEqualTo("RUNNING");
        assertThat(job.get("counts").get("failed").asInt()).isEqualTo(2);
        assertThat(job.get("counts").get("pending").asInt()).isEqualTo(2); // beta/3 and beta/4 wait, no attempt used
        assertThat(job.get("openBreakers")).hasSize(1);
        JsonNode breaker = job.get("openBreakers").get(0);
        assertThat(breaker.get("scope").asText()).isEqualTo("beta");
        assertThat(breaker.get("state").asText()).isEqualTo("OPEN");
        assertThat(breaker.get("openUntil").asText()).isNotEmpty();
        assertThat(breaker.get("resetUrl").asText()).isEqualTo("/api/v1/breakers/" + id + "/beta/reset");
        assertThat(job.get("config").get("breaker").get("scope").asText()).isEqualTo("{//}");
        assertThat(json(f.get("/api/v1/jobs/" + id + "/items?status=SUCCEEDED", ACME)).get("items"))
                .extracting(i -> i.get("key").asText()).containsExactly("alpha/1", "alpha/2", "alpha/3");

        JsonNode listed = json(f.get("/api/v1/breakers", ACME_READER)).get("breakers");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("jobId").asText()).isEqualTo(id);
        assertThat(listed.get(0).get("state").asText()).isEqualTo("OPEN");
        assertThat(json(f.get("/api/v1/breakers", OTHER)).get("breakers")).isEmpty(); // another tenant sees none

        String metrics = f.get("/api/v1/metrics", ACME).body();
        assertThat(metrics).contains("bulwark_breaker_transitions_total{to=\"open\"} 1.0")
                .doesNotContain(id).doesNotContain("beta"); // no tenant data in labels: counts by state
        assertThat(ServerFixture.metric(metrics, "bulwark_breakers{state=\"open\"}")).isGreaterThanOrEqualTo(1.0);

        String reset = "/api/v1/breakers/" + id + "/beta/reset";
        assertThat(f.post(reset, OTHER, null).statusCode()).isEqualTo(404);
        assertThat(f.post(reset, ACME_READER, null).statusCode()).isEqualTo(403);
        assertThat(f.post("/api/v1/breakers/" + id + "/alpha/reset", ACME_SUBMITTER, null).statusCode()).isEqualTo(409);
        Files.writeString(f.up, "up"); // beta is back
        HttpResponse<String> done = f.post(reset, ACME_SUBMITTER, null);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(json(done).get("scope").asText()).isEqualTo("beta");
        assertThat(json(done).get("state").asText()).isEqualTo("CLOSED");

        job = f.awaitStatus(id, ACME, "PARTIAL");
        assertThat(job.get("counts").get("succeeded").asInt()).isEqualTo(5);
        assertThat(job.get("counts").get("failed").asInt()).isEqualTo(2);
        assertThat(job.get("openBreakers")).isEmpty();
        reader.join(Duration.ofSeconds(30)); // the stream ends after job_finished
        assertThat(events).containsSubsequence("snapshot", "breaker_opened", "breaker_closed", "job_finished");
        assertThat(f.post(reset, ACME, null).statusCode()).isEqualTo(409); // closed now
        assertThat(f.get("/api/v1/metrics", ACME).body()).contains("bulwark_breaker_transitions_total{to=\"closed\"} 1.0")
                .doesNotContain(id);
    }

    @Test
    void a_scope_with_a_slash_is_reset_percent_encoded_and_a_job_without_breakers_has_none() throws Exception {
        String id = f.submit(ACME, "{\"template\": \"hosts\", \"items\": [\"beta/east/1\", \"beta/east/2\", \"beta/east/3\"]}");
        f.openGate();
        await().atMost(Duration.ofSeconds(30)).until(() -> f.job(id, ACME).get("openBreakers").size() == 1);
        assertThat(f.job(id, ACME).get("openBreakers").get(0).get("resetUrl").asText()).endsWith("/beta%2Feast/reset");
        Files.writeString(f.up, "up");
        HttpResponse<String> done = f.post("/api/v1/breakers/" + id + "/beta%2Feast/reset", ACME, null);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(json(done).get("scope").asText()).isEqualTo("beta/east");
        assertThat(f.awaitStatus(id, ACME, "PARTIAL").get("counts").get("succeeded").asInt()).isEqualTo(1);

        String plain = f.submitAndAwait(ACME, "{\"template\": \"echo\", \"items\": [\"x\"]}", "COMPLETED");
        HttpResponse<String> none = f.post("/api/v1/breakers/" + plain + "/%2A/reset", ACME, null);
        assertThat(none.statusCode()).isEqualTo(409);
        assertThat(json(none).get("detail").asText()).contains("declares no breaker");
    }

    @Test
    void a_breaker_whose_open_time_passed_sends_a_trial_half_open_and_closes_when_it_succeeds() throws Exception {
        String id = f.submit(ACME, "{\"template\": \"recovering\", \"items\": [\"only\"]}");
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        Thread reader = Thread.ofVirtual().start(() -> readEvents(id, events, subscribed));
        assertThat(subscribed.await(30, TimeUnit.SECONDS)).isTrue();
        f.openGate();
        await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("breaker_half_open"));
        Files.writeString(f.up, "up"); // the next trial succeeds
        assertThat(f.awaitStatus(id, ACME, "COMPLETED").get("openBreakers")).isEmpty();
        reader.join(Duration.ofSeconds(30));
        assertThat(events).containsSubsequence("breaker_opened", "breaker_half_open", "breaker_closed", "job_finished");
        assertThat(f.get("/api/v1/metrics", ACME).body()).containsPattern("bulwark_breaker_transitions_total\\{to=\"half_open\"} [1-9]");
    }

    /** Reads the job's event stream until it ends, collecting the event names. */
    private void readEvents(String id, List<String> events, CountDownLatch subscribed) {
        HttpRequest request = HttpRequest.newBuilder(f.uri("/api/v1/jobs/" + id + "/events"))
                .header("Authorization", "Bearer " + ACME).header("Accept", "text/event-stream").build();
        try {
            HttpResponse<InputStream> response = f.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        events.add(line.substring(6).trim());
                        subscribed.countDown();
                    }
                }
            }
        } catch (Exception e) {
            events.add("error: " + e);
            subscribed.countDown();
        }
    }

    @Test
    void shared_breakers_are_listed_for_readers_and_reset_or_opened_by_admins() throws Exception {
        f.ledger.breakers().forceOpen("m1", dev.bulwark.breaker.BreakerPolicy.consecutive(3), java.time.Instant.now(),
                dev.bulwark.breaker.BreakerState.UNTIL_RESET, "maintenance");

        JsonNode shared = json(f.get("/api/v1/breakers", ACME_READER)).get("shared");
        assertThat(shared).hasSize(1);
        assertThat(shared.get(0).get("name").asText()).isEqualTo("m1");
        assertThat(shared.get(0).get("state").asText()).isEqualTo("OPEN");
        assertThat(shared.get(0).get("untilReset").asBoolean()).isTrue();
        assertThat(shared.get(0).get("reason").asText()).isEqualTo("maintenance");
        assertThat(shared.get(0).get("resetUrl").asText()).isEqualTo("/api/v1/breakers/shared/m1/reset");
        String metrics = f.get("/api/v1/metrics", ACME).body();
        assertThat(ServerFixture.metric(metrics, "bulwark_shared_breakers{state=\"open\"}")).isEqualTo(1.0);
        assertThat(metrics).doesNotContain("m1"); // no names in labels: they may be tenant data

        assertThat(f.post("/api/v1/breakers/shared/m1/reset", ACME_SUBMITTER, null).statusCode()).isEqualTo(403);
        HttpResponse<String> reset = f.post("/api/v1/breakers/shared/m1/reset", ACME, null);
        assertThat(reset.statusCode()).isEqualTo(200);
        assertThat(json(reset).get("reset").asBoolean()).isTrue();
        assertThat(json(f.get("/api/v1/breakers", ACME_READER)).get("shared").get(0).get("state").asText()).isEqualTo("CLOSED");

        assertThat(f.post("/api/v1/breakers/shared/m1/open?for=soon", ACME, null).statusCode()).isEqualTo(400);
        assertThat(f.post("/api/v1/breakers/shared/nope/open", ACME, null).statusCode()).isEqualTo(404);
        assertThat(f.post("/api/v1/breakers/shared/m1/open?for=10m&reason=disk%20swap", ACME, null).statusCode()).isEqualTo(200);
        JsonNode opened = json(f.get("/api/v1/breakers", ACME_READER)).get("shared").get(0);
        assertThat(opened.get("state").asText()).isEqualTo("OPEN");
        assertThat(opened.get("untilReset").asBoolean()).isFalse();
        assertThat(opened.get("openUntil").asText()).isNotEmpty();
        assertThat(opened.get("reason").asText()).isEqualTo("disk swap");
    }
}
