package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.OTHER;
import static dev.bulwark.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad submissions are refused with a problem naming the field, and nothing is stored. */
class SubmissionValidationTest {
    @TempDir
    static Path dir;
    static ServerFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = ServerFixture.start(dir);
        Files.createSymbolicLink(f.inbox.resolve("escape.txt"), dir.resolve("secret.txt"));
        Files.createSymbolicLink(f.inbox.resolve("escape-dir"), dir);
    }

    @AfterAll
    static void stop() {
        assertThat(f.ledger.listJobs(dev.bulwark.ledger.JobQuery.all())).as("nothing refused was stored").isEmpty();
        f.close();
    }

    private static JsonNode refused(String body, int status, String field) {
        HttpResponse<String> r = f.post("/api/v1/jobs", ACME, body);
        assertThat(r.statusCode()).as(body + " -> " + r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = json(r);
        if (field == null) {
            assertThat(problem.has("field")).as(r.body()).isFalse();
        } else {
            assertThat(problem.get("field").asText()).as(r.body()).isEqualTo(field);
        }
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        return problem;
    }

    @Test
    void malformed_json_is_400() {
        assertThat(refused("{\"template\": ", 400, null).get("detail").asText()).contains("not valid JSON");
        refused("[1, 2]", 400, null);
        refused("", 400, null);
    }

    @Test
    void wrong_types_name_the_field() {
        refused("{\"template\": 7, \"items\": [\"a\"]}", 400, "template");
        assertThat(refused("{\"template\": \"echo\", \"items\": \"a\"}", 400, "items").get("detail").asText()).contains("list of strings");
        refused("{\"template\": \"echo\", \"items\": [\"a\", 2]}", 400, "items[1]");
        refused("{\"template\": \"echo\", \"items\": [\"a\"], \"params\": [1]}", 400, "params");
        refused("{\"template\": \"cat\", \"folder\": \".\", \"recursive\": \"yes\"}", 400, "recursive");
    }

    @Test
    void unknown_fields_templates_and_parameters_are_refused() {
        refused("{\"template\": \"echo\", \"items\": [\"a\"], \"command\": [\"rm\", \"-rf\", \"/\"]}", 400, "command");
        assertThat(refused("{\"template\": \"nope\", \"items\": [\"a\"]}", 422, "template").get("detail").asText())
                .contains("'nope'").contains("echo");
        refused("{\"template\": \"echo\", \"items\": [\"a\"], \"params\": {\"shell\": \"x\"}}", 400, "params.shell");
        assertThat(refused("{\"template\": \"echo\", \"items\": [\"a\"], \"params\": {\"mode\": \"x; rm -rf /\"}}", 422, "params.mode")
                .get("detail").asText()).contains("[a-z]{1,10}");
        refused("{\"template\": \"echo\"}", 400, "items");
        refused("{\"template\": \"echo\", \"items\": []}", 422, "items");
        refused("{\"template\": \"echo\", \"items\": [\"a\\nb\"]}", 422, "items[0]");
        refused("{\"template\": \"echo\", \"folder\": \".\"}", 400, "folder");
    }

    @Test
    void a_body_larger_than_the_tier_allows_is_413() {
        String huge = "{\"template\": \"echo\", \"items\": [\"" + "x".repeat(70_000) + "\"]}";
        refused(huge, 413, null);
        HttpResponse<String> free = f.post("/api/v1/jobs", OTHER, "{\"template\": \"echo\", \"items\": [\"" + "x".repeat(3000) + "\"]}");
        assertThat(free.statusCode()).isEqualTo(413);
        assertThat(json(free).get("detail").asText()).contains("2048").contains("'free'");
    }

    @Test
    void more_items_than_the_tier_allows_is_413_naming_items() {
        HttpResponse<String> r = f.post("/api/v1/jobs", OTHER, "{\"template\": \"echo\", \"items\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"]}");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).get("field").asText()).isEqualTo("items");
        assertThat(json(r).get("detail").asText()).contains("more than 5");
    }

    @Test
    void a_body_that_is_not_json_by_content_type_is_415() {
        HttpResponse<String> r = f.send("POST", "/api/v1/jobs", ACME, "{}", Map.of("Content-Type", "text/plain"));
        assertThat(r.statusCode()).isEqualTo(415);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "../secret.txt|contains '..'",
            "sub/../../secret.txt|contains '..'",
            "/etc/passwd|absolute path",
            "%2e%2e/secret.txt|does not exist",
            "..%2Fsecret.txt|does not exist",
            "escape.txt|leads outside root",
            "escape-dir/secret.txt|leads outside root",
            "~/secret.txt|absolute path",
            "sub|not a regular file"})
    void paths_escaping_the_templates_root_are_refused(String path, String why) {
        JsonNode problem = refused("{\"template\": \"cat\", \"items\": [\"a.txt\", \"" + path + "\"]}", 422, "items[1]");
        assertThat(problem.get("detail").asText()).contains(why);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"..|contains '..'", "/tmp|absolute path", "escape-dir|leads outside root", "a.txt|not a folder"})
    void folders_escaping_the_root_are_refused(String folder, String why) {
        JsonNode problem = refused("{\"template\": \"cat\", \"folder\": \"" + folder + "\"}", 422, "folder");
        assertThat(problem.get("detail").asText()).contains(why);
    }

    @Test
    void a_folder_listing_leaves_out_links_that_leave_the_root() throws Exception {
        String id = f.submit(ACME, "{\"template\": \"cat\", \"folder\": \".\", \"glob\": \"*.txt\"}");
        JsonNode job = f.awaitStatus(id, ACME, "COMPLETED");
        assertThat(job.get("total").asInt()).isEqualTo(2); // a.txt and b.txt, not escape.txt
        Set<String> keys = new java.util.HashSet<>();
        json(f.get("/api/v1/jobs/" + id + "/items", ACME)).get("items").forEach(i -> keys.add(i.get("key").asText()));
        String root = f.inbox.toRealPath().toString();
        assertThat(keys).allMatch(k -> k.startsWith(root));
        assertThat(f.send("DELETE", "/api/v1/jobs/" + id, ACME, null, Map.of()).statusCode()).isEqualTo(204);
    }

    @Test
    void bad_query_parameters_name_the_parameter() {
        assertThat(json(f.get("/api/v1/jobs?status=DONE", ACME)).get("field").asText()).isEqualTo("status");
        assertThat(json(f.get("/api/v1/jobs?limit=0", ACME)).get("field").asText()).isEqualTo("limit");
        assertThat(json(f.get("/api/v1/jobs?offset=x", ACME)).get("field").asText()).isEqualTo("offset");
    }
}
