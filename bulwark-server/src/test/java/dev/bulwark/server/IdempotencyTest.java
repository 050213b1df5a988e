package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.ACME_SUBMITTER;
import static dev.bulwark.server.ServerFixture.OTHER;
import static dev.bulwark.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdempotencyTest {
    private static final String BODY = "{\"template\": \"echo\", \"items\": [\"a\", \"b\"]}";

    @TempDir
    Path dir;

    private static HttpResponse<String> submit(ServerFixture f, String token, String key, String body) {
        return f.send("POST", "/api/v1/jobs", token, body, Map.of("Idempotency-Key", key));
    }

    @Test
    void the_same_key_from_the_same_tenant_returns_the_same_job_even_after_a_restart() throws Exception {
        try (ServerFixture f = ServerFixture.start(dir)) {
            HttpResponse<String> first = submit(f, ACME, "order-42", BODY);
            assertThat(first.statusCode()).isEqualTo(201);
            String id = json(first).get("id").asText();

            HttpResponse<String> again = submit(f, ACME_SUBMITTER, "order-42", BODY); // another token, same tenant
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(json(again).get("id").asText()).isEqualTo(id);

            HttpResponse<String> otherTenant = submit(f, OTHER, "order-42", BODY);
            assertThat(otherTenant.statusCode()).isEqualTo(201);
            assertThat(json(otherTenant).get("id").asText()).isNotEqualTo(id);

            HttpResponse<String> changed = submit(f, ACME, "order-42", "{\"template\": \"echo\", \"items\": [\"c\"]}");
            assertThat(changed.statusCode()).isEqualTo(422);
            assertThat(json(changed).get("field").asText()).isEqualTo("Idempotency-Key");

            assertThat(submit(f, ACME, "has space", BODY).statusCode()).isEqualTo(400);
            f.awaitStatus(id, ACME, "COMPLETED");

            f.stopServer(Duration.ofSeconds(5));
            f.startServer(dev.bulwark.BulwarkClock.system());
            HttpResponse<String> afterRestart = submit(f, ACME, "order-42", BODY);
            assertThat(afterRestart.statusCode()).isEqualTo(200);
            assertThat(json(afterRestart).get("id").asText()).isEqualTo(id);
            assertThat(json(f.get("/api/v1/jobs", ACME)).get("total").asInt()).isEqualTo(1);
        }
    }

    @Test
    void concurrent_submissions_with_one_key_create_one_job() throws Exception {
        try (ServerFixture f = ServerFixture.start(dir);
             var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            var answers = new java.util.ArrayList<java.util.concurrent.Future<HttpResponse<String>>>();
            for (int i = 0; i < 16; i++) {
                answers.add(pool.submit(() -> submit(f, ACME, "same-key", BODY)));
            }
            java.util.Set<String> ids = new java.util.HashSet<>();
            int created = 0;
            for (var answer : answers) {
                HttpResponse<String> r = answer.get();
                created += r.statusCode() == 201 ? 1 : 0;
                assertThat(r.statusCode()).isIn(200, 201);
                ids.add(json(r).get("id").asText());
            }
            assertThat(created).isEqualTo(1);
            assertThat(ids).hasSize(1);
            assertThat(json(f.get("/api/v1/jobs", ACME)).get("total").asInt()).isEqualTo(1);
        }
    }
}
