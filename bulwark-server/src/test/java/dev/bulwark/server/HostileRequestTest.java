package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile requests over real HTTP: each one is answered within a bound, as
 * {@code application/problem+json} when refused, without a server path in the body, and
 * {@code /health} stays fast throughout.
 */
class HostileRequestTest {
    /** The most any hostile request may take. */
    private static final Duration BOUND = Duration.ofSeconds(5);
    /**
     * The most {@code /health} may take while hostile requests run: generous for a loaded machine,
     * yet far below what one exponential glob took (minutes).
     */
    private static final Duration HEALTHY = Duration.ofSeconds(3);

    @TempDir
    static Path dir;
    static ServerFixture f;
    static Path links;

    @BeforeAll
    static void start() throws Exception {
        f = new ServerFixture(dir, "  port: 0\n  workers: 2");
        f.requestBodyTimeout = Duration.ofMillis(500);
        f.startServer(dev.bulwark.BulwarkClock.system());
        f.get("/api/v1/health", null); // the first request of a JVM is slow for reasons of its own
        links = Files.createDirectories(f.inbox.resolve("links"));
        Files.writeString(links.resolve("real.txt"), "real\n");
        Files.createSymbolicLink(links.resolve("alias.txt"), links.resolve("real.txt"));
        Files.createSymbolicLink(links.resolve("dangling.txt"), links.resolve("gone.txt"));
        Files.createSymbolicLink(links.resolve("loop1.txt"), links.resolve("loop2.txt"));
        Files.createSymbolicLink(links.resolve("loop2.txt"), links.resolve("loop1.txt"));
        Files.createFile(Path.of(java.net.URI.create(links.toUri() + "latin%E9.txt"))); // a name that is not UTF-8
        // a long name for the hostile globs to chew on
        Path glob = Files.createDirectories(f.inbox.resolve("glob"));
        Files.writeString(glob.resolve("a".repeat(200)), "long\n");
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static void assertHealthy() {
        assertTimeoutPreemptively(HEALTHY, () -> assertThat(f.get("/api/v1/health", null).statusCode()).isEqualTo(200));
    }

    private static JsonNode problem(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.body()).as("no server path in the answer").doesNotContain(dir.toString());
        return json(r);
    }

    private static HttpResponse<String> submit(String body) {
        return assertTimeoutPreemptively(BOUND, () -> f.post("/api/v1/jobs", ACME, body));
    }

    @Test
    void two_globs_with_many_wildcards_answer_quickly_and_health_stays_fast_meanwhile() {
        String body = "{\"template\": \"cat\", \"folder\": \"glob\", \"glob\": \"*a*a*a*a*a*a*a*a*a*a*a*a*b\"}";
        List<CompletableFuture<HttpResponse<String>>> hostile = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            hostile.add(CompletableFuture.supplyAsync(() -> f.post("/api/v1/jobs", ACME, body)));
        }
        assertHealthy();
        for (var r : hostile) {
            HttpResponse<String> answer = assertTimeoutPreemptively(BOUND, () -> r.get());
            assertThat(problem(answer, 422).get("detail").asText()).contains("no file in the folder matches");
        }
        assertHealthy();
        assertThat(problem(submit("{\"template\": \"cat\", \"folder\": \"glob\", \"glob\": \"" + "*".repeat(2000) + "\"}"), 422)
                .get("detail").asText()).contains("longer than 1024");
        assertThat(problem(submit("{\"template\": \"cat\", \"folder\": \"glob\", \"glob\": \"[a\"}"), 422).get("field").asText())
                .isEqualTo("glob");
    }

    @Test
    void dangling_links_and_link_loops_are_skipped_with_warnings_and_a_file_reached_twice_is_one_item() {
        HttpResponse<String> r = submit("{\"template\": \"cat\", \"folder\": \"links\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode answer = json(r);
        assertThat(answer.get("total").asInt()).as("real.txt once, reached directly and through alias.txt; latin\\xe9.txt")
                .isEqualTo(2);
        assertThat(answer.get("warnings")).extracting(JsonNode::asText).satisfiesExactly(
                w -> assertThat(w).isEqualTo("skipped 'links/dangling.txt': a symbolic link to a file that does not exist"),
                w -> assertThat(w).startsWith("skipped 'links/loop1.txt': Too many levels of symbolic links"),
                w -> assertThat(w).startsWith("skipped 'links/loop2.txt': Too many levels of symbolic links"));
        assertThat(r.body()).doesNotContain(dir.toString());
        String id = answer.get("id").asText();
        // cat gets the name that is not UTF-8 as its bytes: it succeeds only if they name the file
        f.awaitStatus(id, ACME, "COMPLETED");
        JsonNode items = json(f.get("/api/v1/jobs/" + id + "/items", ACME)).get("items");
        assertThat(items).extracting(i -> i.get("key").asText())
                .containsExactly(links.resolve("real.txt").toString(), links + "/latin\\xe9.txt");
        assertThat(items).extracting(i -> i.get("status").asText()).containsOnly("SUCCEEDED");
    }

    @Test
    void errors_about_files_name_them_relative_to_the_root() {
        assertThat(problem(submit("{\"template\": \"cat\", \"items\": [\"a.txt/x\"]}"), 422).get("detail").asText())
                .isEqualTo("items[0]: 'a.txt/x' cannot be read: Not a directory");
        assertThat(problem(submit("{\"template\": \"cat\", \"items\": [\"links/loop1.txt\"]}"), 422).get("detail").asText())
                .startsWith("items[0]: 'links/loop1.txt' cannot be read: Too many levels of symbolic links");
        String longName = "n".repeat(300);
        assertThat(problem(submit("{\"template\": \"cat\", \"items\": [\"" + longName + "\"]}"), 422).get("detail").asText())
                .endsWith("cannot be read: File name too long");
        problem(submit("{\"template\": \"cat\", \"folder\": \"a.txt/x\"}"), 422);
    }

    @Test
    void a_lone_surrogate_is_refused_rather_than_changed() {
        JsonNode p = problem(submit("{\"template\": \"echo\", \"items\": [\"ok\", \"\\ud800x\"]}"), 422);
        assertThat(p.get("field").asText()).isEqualTo("items[1]");
        assertThat(p.get("detail").asText()).contains("lone UTF-16 surrogate (\\ud800) at position 0");
        assertThat(problem(submit("{\"template\": \"echo\", \"name\": \"x\\udc00\", \"items\": [\"a\"]}"), 422).get("field").asText())
                .isEqualTo("name");
        HttpResponse<String> pair = submit("{\"template\": \"echo\", \"items\": [\"\\ud83d\\ude00\"]}"); // a real pair is fine
        assertThat(pair.statusCode()).as(pair.body()).isEqualTo(201);
    }

    @Test
    void an_offset_near_the_largest_integer_gives_no_next_page() {
        HttpResponse<String> r = f.get("/api/v1/jobs?limit=500&offset=2147483647", ACME);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("next").isNull()).as(r.body()).isTrue();
    }

    @Test
    void a_body_that_stops_arriving_is_answered_408_quickly() {
        String head = "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ACME
                + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"template\":";
        Raw answer = assertTimeoutPreemptively(BOUND, () -> raw(head));
        assertThat(answer.status).as(answer.text).isEqualTo(408);
        assertThat(answer.text).containsIgnoringCase("Content-Type: application/problem+json");
        assertHealthy();
    }

    @Test
    void errors_raised_by_jetty_itself_are_problem_json() {
        for (String path : List.of("/api/v1/jobs/%ZZ", "/api/v1/jobs/a%00b", "/api/v1//jobs", "/api/v1/jobs/%2e%2e/%2e%2e/etc",
                "/api/v1/" + "x".repeat(20_000), "/api/v1/jobs/\u00e9")) {
            Raw answer = assertTimeoutPreemptively(BOUND, () -> raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + ACME + "\r\nConnection: close\r\n\r\n"));
            assertThat(answer.status).as(path + " -> " + answer.text).isBetween(400, 499);
            assertThat(answer.text).as(path).containsIgnoringCase("Content-Type: application/problem+json")
                    .doesNotContainIgnoringCase("<html");
            JsonNode body = answer.json();
            assertThat(body.get("status").asInt()).as(answer.text).isEqualTo(answer.status);
            assertHealthy();
        }
        Raw headers = assertTimeoutPreemptively(BOUND, () -> raw("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "y".repeat(20_000) + "\r\nConnection: close\r\n\r\n"));
        assertThat(headers.status).as(headers.text).isEqualTo(431);
        assertThat(headers.text).containsIgnoringCase("Content-Type: application/problem+json");
        assertHealthy();
    }

    @Test
    void hostile_bodies_are_refused_within_the_bound() {
        problem(submit("{\"template\": \"echo\", \"items\": [" + "[".repeat(5000) + "]}"), 400);
        problem(submit("{\"template\": \"echo\", \"items\": [\"" + "k".repeat(70_000) + "\"]}"), 413);
        problem(submit("{\"template\": \"cat\", \"items\": [\"../secret.txt\"]}"), 422);
        problem(submit("{\"template\": \"cat\", \"items\": [\"inbox/../../secret.txt\"]}"), 422);
        problem(submit("{\"template\": \"cat\", \"folder\": \"/etc\"}"), 422);
        problem(submit("{\"template\": \"cat\", \"folder\": \".\", \"glob\": \"{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}\"}"), 422);
        problem(submit("\u0000\u0001"), 400);
        assertHealthy();
    }

    /** An answer read from a raw socket: what a client sees, status line, headers and body. */
    private record Raw(int status, String text) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(text.substring(text.indexOf("\r\n\r\n") + 4));
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }
    }

    /** Sends {@code request} as it is (a client that need not speak valid HTTP) and reads the answer until the server is done. */
    private static Raw raw(String request) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", f.server.port()), 2000);
            s.setSoTimeout((int) BOUND.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder text = new StringBuilder();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                int end = text.indexOf("\r\n\r\n");
                if (end >= 0) {
                    var length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text.substring(0, end));
                    if (length.find() && text.length() - end - 4 >= Integer.parseInt(length.group(1))) {
                        break;
                    }
                }
            }
            String all = text.toString();
            return new Raw(Integer.parseInt(all.substring(9, 12)), all);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
