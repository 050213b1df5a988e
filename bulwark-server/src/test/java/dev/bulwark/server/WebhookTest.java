package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.OTHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.bulwark.BulwarkClock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhooks: allowed hosts only, signed with HMAC-SHA256 and a timestamp, retried through the ledger, kept across a restart. */
class WebhookTest {
    private static final String SECRET = "webhook-secret-0123456789";

    /** One received delivery. */
    record Received(String timestamp, String signature, String body) {
    }

    @TempDir
    Path dir;
    HttpServer receiver;
    final List<Received> received = new CopyOnWriteArrayList<>();
    /** The answers the receiver gives, in turn; 200 once they run out. */
    final List<Integer> answers = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    ServerFixture f;
    String hook;

    @BeforeEach
    void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            received.add(new Received(exchange.getRequestHeaders().getFirst("Bulwark-Timestamp"),
                    exchange.getRequestHeaders().getFirst("Bulwark-Signature"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            int n = calls.getAndIncrement();
            exchange.sendResponseHeaders(n < answers.size() ? answers.get(n) : 200, -1);
            exchange.close();
        });
        receiver.start();
        hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        f = new ServerFixture(dir, "  port: 0\n  webhooks: {allowed-hosts: ['127.0.0.1:" + receiver.getAddress().getPort()
                + "'], secret: " + SECRET + ", attempts: 5, backoff: 100ms, allow-private: true}");
        f.startServer(BulwarkClock.system());
    }

    @AfterEach
    void stop() {
        f.close();
        receiver.stop(0);
    }

    @Test
    void a_finished_job_posts_a_signed_summary_to_its_callback() throws Exception {
        String job = f.submit(ACME, "{\"template\": \"echo\", \"items\": [\"x\"], \"callback\": \"" + hook + "\"}");

        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 1);

        Received r = received.get(0);
        JsonNode body = dev.bulwark.util.Json.MAPPER.readTree(r.body());
        assertThat(body.get("jobId").asText()).isEqualTo(job);
        assertThat(body.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(r.signature()).isEqualTo("v1=" + hmac(r.timestamp() + "." + r.body()));
        assertThat(Long.parseLong(r.timestamp())).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
    }

    @Test
    void a_failed_delivery_is_retried_with_backoff_and_listed_per_job() {
        answers.addAll(List.of(503, 500));
        String job = f.submit(ACME, "{\"template\": \"echo\", \"items\": [\"x\"], \"callback\": \"" + hook + "\"}");

        await().atMost(Duration.ofSeconds(20)).until(() -> deliveries(job).size() == 1
                && deliveries(job).get(0).get("status").asText().equals("DELIVERED"));

        JsonNode d = deliveries(job).get(0);
        assertThat(d.get("attempts")).extracting(a -> a.get("httpStatus").asInt()).containsExactly(503, 500, 200);
        assertThat(received).hasSize(3);
        assertThat(received).extracting(Received::body).containsOnly(received.get(0).body());
        assertThat(f.get("/api/v1/jobs/" + job + "/deliveries", OTHER).statusCode()).isEqualTo(404);
    }

    @Test
    void a_delivery_not_yet_made_goes_on_after_a_restart() {
        answers.addAll(List.of(503, 503, 503, 503, 503, 503, 503, 503));
        String job = f.submit(ACME, "{\"template\": \"echo\", \"items\": [\"x\"], \"callback\": \"" + hook + "\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> calls.get() >= 1);

        f.stopServer(Duration.ZERO);
        answers.clear();
        f.startServer(BulwarkClock.system());

        await().atMost(Duration.ofSeconds(20)).until(() -> deliveries(job).size() == 1
                && deliveries(job).get(0).get("status").asText().equals("DELIVERED"));
        assertThat(deliveries(job)).hasSize(1);
    }

    @Test
    void callbacks_to_hosts_not_allowed_or_to_private_and_metadata_addresses_are_refused() throws IOException {
        List<String> hostile = List.of("http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/",
                "http://localhost:" + receiver.getAddress().getPort() + "/hook", "http://127.0.0.1:1/hook", "http://10.0.0.1/",
                "http://[::1]:" + receiver.getAddress().getPort() + "/", "file:///etc/passwd", "gopher://127.0.0.1/",
                "http://user:pw@127.0.0.1:" + receiver.getAddress().getPort() + "/hook", "http://127.0.0.1.nip.io/",
                "http://0x7f000001/", "http://2130706433/", "//127.0.0.1/", "not a url", "http://" + "a".repeat(2000) + "/");
        for (String url : hostile) {
            HttpResponse<String> r = f.post("/api/v1/jobs", ACME, "{\"template\": \"echo\", \"items\": [\"x\"], \"callback\": "
                    + dev.bulwark.util.Json.write(url) + "}");
            assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(422);
            assertThat(r.headers().firstValue("Content-Type")).as(url).hasValue("application/problem+json");
            assertThat(ServerFixture.json(r).get("field").asText()).isEqualTo("callback");
        }
    }

    @Test
    void without_allow_private_even_an_allowed_loopback_host_is_refused() throws IOException {
        f.close();
        f = new ServerFixture(dir.resolve("strict"), "  port: 0\n  webhooks: {allowed-hosts: ['127.0.0.1:"
                + receiver.getAddress().getPort() + "', 'localhost'], secret: " + SECRET + "}");
        f.startServer(BulwarkClock.system());

        HttpResponse<String> literal = f.post("/api/v1/jobs", ACME, "{\"template\": \"echo\", \"items\": [\"x\"], \"callback\": \"" + hook + "\"}");
        String named = f.submit(ACME, "{\"template\": \"echo\", \"items\": [\"x\"], \"callback\": \"http://localhost/hook\"}");

        assertThat(literal.statusCode()).isEqualTo(422);
        assertThat(ServerFixture.json(literal).get("detail").asText()).contains("loopback");
        await().atMost(Duration.ofSeconds(20)).until(() -> deliveries(named).size() == 1
                && deliveries(named).get(0).get("status").asText().equals("FAILED"));
        assertThat(deliveries(named).get(0).get("attempts").get(0).get("category").asText()).isEqualTo("address");
        assertThat(received).isEmpty();
    }

    private List<JsonNode> deliveries(String job) {
        JsonNode d = ServerFixture.json(f.get("/api/v1/jobs/" + job + "/deliveries", ACME)).get("deliveries");
        return java.util.stream.StreamSupport.stream(d.spliterator(), false).toList();
    }

    private static String hmac(String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
