package dev.bulwark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.util.Json;
import dev.bulwark.jdbc.SqliteLedger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without any token configured, the server listens on loopback and every request is anonymous. */
class AnonymousModeTest {
    @TempDir
    Path dir;

    @Test
    void requests_without_a_token_are_served_as_the_anonymous_tier() throws Exception {
        Path config = dir.resolve("bulwark.yaml");
        Files.writeString(config, "server: {port: 0}\ntemplates:\n  echo: {command: [echo], retries: 0}\n");
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"))) {
            BulwarkServer server = BulwarkServer.builder().config(ServerConfig.load(config)).ledger(ledger).build().start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + server.port() + "/api/v1";
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/jobs"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"template\": \"echo\", \"items\": [\"a\"]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                String id = Json.MAPPER.readTree(created.body()).get("id").asText();
                HttpRequest status = HttpRequest.newBuilder(URI.create(base + "/jobs/" + id)).build();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Json.MAPPER.readTree(
                        http.send(status, HttpResponse.BodyHandlers.ofString()).body()).get("status").asText().equals("COMPLETED"));
                JsonNode job = Json.MAPPER.readTree(http.send(status, HttpResponse.BodyHandlers.ofString()).body());
                assertThat(job.get("tier").asText()).isEqualTo("anonymous");
                assertThat(job.get("priority").asInt()).isEqualTo(15);
            } finally {
                server.shutdown(Duration.ZERO);
            }
        }
    }
}
