package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.ACME_READER;
import static dev.bulwark.server.ServerFixture.ACME_SUBMITTER;
import static dev.bulwark.server.ServerFixture.OTHER;
import static dev.bulwark.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every route without a token, with a wrong token, with too few roles, and from another tenant. */
class AccessControlTest {
    @TempDir
    static Path dir;
    static ServerFixture f;
    static String job;

    /** A route, the role it needs, and whether it names a job. */
    record Route(String method, String path, String role) {
        boolean namesJob() {
            return path.contains("{id}");
        }

        String resolved() {
            return path.replace("{id}", job).replace("{scope}", "hosts%2Fbeta").replace("{name}", "m1");
        }

        String body() {
            return method.equals("POST") && path.equals("/api/v1/jobs") ? "{\"template\": \"echo\", \"items\": [\"x\"]}" : null;
        }
    }

    static final List<Route> ROUTES = List.of(
            new Route("POST", "/api/v1/jobs", "submit"),
            new Route("GET", "/api/v1/jobs", "read"),
            new Route("GET", "/api/v1/jobs/{id}", "read"),
            new Route("DELETE", "/api/v1/jobs/{id}", "admin"),
            new Route("GET", "/api/v1/jobs/{id}/items", "read"),
            new Route("GET", "/api/v1/jobs/{id}/items/1/log", "read"),
            new Route("GET", "/api/v1/jobs/{id}/events", "read"),
            new Route("GET", "/api/v1/jobs/{id}/items/1", "read"),
            new Route("POST", "/api/v1/jobs/{id}/items/1/retry", "submit"),
            new Route("GET", "/api/v1/jobs/{id}/errors", "read"),
            new Route("GET", "/api/v1/jobs/{id}/timeline", "read"),
            new Route("GET", "/api/v1/jobs/{id}/throughput", "read"),
            new Route("GET", "/api/v1/jobs/{id}/review.csv", "read"),
            new Route("GET", "/api/v1/jobs/{id}/review.xlsx", "read"),
            new Route("GET", "/api/v1/events", "read"),
            new Route("GET", "/api/v1/workers", "admin"),
            new Route("POST", "/api/v1/uploads", "submit"),
            new Route("GET", "/api/v1/jobs/{id}/items/1/outputs", "read"),
            new Route("GET", "/api/v1/jobs/{id}/items/1/outputs/result.txt", "read"),
            new Route("GET", "/api/v1/jobs/{id}/outputs.zip", "read"),
            new Route("GET", "/api/v1/jobs/{id}/deliveries", "read"),
            new Route("POST", "/api/v1/jobs/{id}/cancel", "submit"),
            new Route("POST", "/api/v1/jobs/{id}/pause", "submit"),
            new Route("POST", "/api/v1/jobs/{id}/resume", "submit"),
            new Route("POST", "/api/v1/jobs/{id}/retry-failed", "submit"),
            new Route("GET", "/api/v1/breakers", "read"),
            new Route("POST", "/api/v1/breakers/{id}/{scope}/reset", "submit"),
            new Route("POST", "/api/v1/breakers/shared/{name}/reset", "admin"),
            new Route("POST", "/api/v1/breakers/shared/{name}/open", "admin"),
            new Route("GET", "/api/v1/stats", "read"),
            new Route("GET", "/api/v1/metrics", "admin"));

    @BeforeAll
    static void start() throws Exception {
        f = ServerFixture.start(dir);
        job = f.submitAndAwait(ACME, "{\"template\": \"echo\", \"items\": [\"x\"]}", "COMPLETED");
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static HttpResponse<String> call(Route r, String token, Map<String, String> headers) {
        return f.send(r.method(), r.resolved(), token, r.body(), headers);
    }

    private static HttpResponse<String> call(Route r, String token) {
        return call(r, token, Map.of("Accept", "text/event-stream"));
    }

    @Test
    void every_route_without_a_token_is_401_with_a_problem() {
        for (Route r : ROUTES) {
            HttpResponse<String> response = call(r, null);
            assertThat(response.statusCode()).as(r.toString()).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type")).as(r.toString()).hasValue("application/problem+json");
            assertThat(response.headers().firstValue("WWW-Authenticate")).as(r.toString()).isPresent();
            assertThat(json(response).get("field").asText()).isEqualTo("Authorization");
        }
    }

    @Test
    void every_route_with_a_wrong_token_is_401() {
        for (Route r : ROUTES) {
            assertThat(call(r, ACME + "x").statusCode()).as(r.toString()).isEqualTo(401);
            assertThat(call(r, "").statusCode()).as(r.toString()).isEqualTo(401);
            assertThat(call(r, null, Map.of("Authorization", "Basic " + ACME)).statusCode()).as(r.toString()).isEqualTo(401);
        }
    }

    @Test
    void every_route_needing_a_role_the_token_lacks_is_403() {
        for (Route r : ROUTES) {
            if (r.role().equals("read")) {
                continue; // every token can read
            }
            String token = r.role().equals("submit") ? ACME_READER : ACME_SUBMITTER;
            HttpResponse<String> response = call(r, token);
            assertThat(response.statusCode()).as(r + " " + response.body()).isEqualTo(403);
            assertThat(json(response).get("detail").asText()).contains("'" + r.role() + "' role");
        }
    }

    @Test
    void every_route_naming_another_tenants_job_is_404() {
        for (Route r : ROUTES) {
            if (r.namesJob()) {
                HttpResponse<String> response = call(r, OTHER);
                assertThat(response.statusCode()).as(r + " " + response.body()).isEqualTo(404);
                assertThat(response.body()).doesNotContain("acme");
            }
        }
        assertThat(json(f.get("/api/v1/jobs", OTHER)).get("total").asInt()).isZero();
        JsonNode tenantStats = json(f.get("/api/v1/stats", ServerFixture.GLOBEX_READER));
        assertThat(tenantStats.get("scope").asText()).isEqualTo("tenant globex");
        assertThat(tenantStats.get("total").get("completed").asInt()).isZero();
        JsonNode operatorStats = json(f.get("/api/v1/stats", OTHER)); // an admin token: every tenant, counts only
        assertThat(operatorStats.get("scope").asText()).isEqualTo("all tenants");
        assertThat(operatorStats.get("tiers").get("enterprise").get("completed").asInt()).isEqualTo(1);
        assertThat(json(f.get("/api/v1/jobs/" + job, ACME)).get("status").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void the_openapi_document_describes_every_route() {
        JsonNode paths = json(f.get("/api/v1/openapi.json", null)).get("paths");
        for (Route r : ROUTES) {
            String path = r.path().substring("/api/v1".length()).replace("/items/1", "/items/{seq}").replace("/outputs/result.txt", "/outputs/{name}");
            assertThat(paths.has(path)).as(path).isTrue();
            assertThat(paths.get(path).has(r.method().toLowerCase(java.util.Locale.ROOT))).as(r.toString()).isTrue();
        }
        assertThat(paths.has("/health")).isTrue();
    }

    @Test
    void health_and_the_openapi_document_need_no_token_and_unknown_routes_are_problems() {
        assertThat(f.get("/api/v1/health", null).statusCode()).isEqualTo(200);
        assertThat(f.get("/api/v1/openapi.json", null).statusCode()).isEqualTo(200);
        HttpResponse<String> unknown = f.get("/api/v1/nothing-here", ACME);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(f.get("/api/v1/jobs/not-a-uuid", ACME).statusCode()).isEqualTo(404);
    }
}
