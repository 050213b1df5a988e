package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.ACME_READER;
import static dev.bulwark.server.ServerFixture.OTHER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code POST /uploads}: files into the tenant's own folder, tier limits, and a corpus of hostile names refused. */
class UploadTest extends ServerTest {
    private static final String BOUNDARY = "bulwark-test-boundary";

    /** A file part with the file name written as given (raw bytes, no escaping). */
    private record Part(String filename, byte[] content) {
        static Part of(String filename, String content) {
            return new Part(filename, content.getBytes(StandardCharsets.UTF_8));
        }
    }

    private HttpResponse<String> upload(String token, String template, Part... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Part p : parts) {
            body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + p.filename()
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(p.content());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(f.uri("/api/v1/uploads" + (template == null ? "" : "?template=" + template)))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return f.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private List<Path> stored() throws IOException {
        try (Stream<Path> walk = Files.walk(dir.resolve("uploads"))) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void uploaded_files_land_in_the_tenants_own_folder_and_a_job_runs_over_them() throws Exception {
        HttpResponse<String> r = upload(ACME, "convert", Part.of("photo one.png", "first\n"), Part.of("b.txt", "second\n"));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode up = ServerFixture.json(r);
        String id = up.get("id").asText();
        Path first = dir.resolve("uploads/acme/" + id + "/photo one.png");
        assertThat(first).hasContent("first");
        assertThat(up.get("files").get(0).get("sha256").asText())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("first\n".getBytes(StandardCharsets.UTF_8))));
        assertThat(up.get("files").get(0).get("item").asText()).isEqualTo("acme/" + id + "/photo one.png");

        String job = f.submit(ACME, up.get("submission").toString());
        f.awaitStatus(job, ACME, "COMPLETED");
        assertThat(f.get("/api/v1/jobs/" + job + "/items/1/log", ACME).body()).contains("first");
    }

    @Test
    void another_tenant_cannot_submit_a_job_over_someone_elses_uploads() {
        JsonNode up = ServerFixture.json(upload(ACME, "convert", Part.of("mine.txt", "private\n")));

        HttpResponse<String> r = f.post("/api/v1/jobs", OTHER, up.get("submission").toString());
        HttpResponse<String> folder = f.post("/api/v1/jobs", OTHER, "{\"template\": \"convert\", \"folder\": \".\", \"recursive\": true}");

        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(ServerFixture.json(r).get("detail").asText()).contains("outside the tenant's own folder 'globex/'");
        assertThat(folder.statusCode()).isEqualTo(422);
    }

    /** (A tab in a part's header is whitespace to the HTTP parser: it arrives as a space, which a name may hold.) */
    @Test
    void hostile_file_names_are_refused_with_a_problem_and_nothing_is_kept() throws IOException {
        List<String> hostile = List.of("../escape.txt", "../../etc/passwd", "/etc/passwd", "a/b.txt", "..", ".", ".hidden",
                "a\\b.txt", "C:\\Windows\\evil.txt", "x.txt.", "trailing ", "bell\u0007.txt", "nul\u0000.txt", "%2e%2e%2fup.txt",
                "é-not-ascii.txt", "a".repeat(201), "", "<img src=x onerror=alert(1)>.png", "name;rm -rf.txt", "$(id).txt");
        for (String name : hostile) {
            HttpResponse<String> r = upload(ACME, "convert", Part.of("fine.txt", "ok"), Part.of(name, "evil"));
            assertThat(r.statusCode()).as(name + ": " + r.body()).isIn(400, 422);
            assertThat(r.headers().firstValue("Content-Type")).as(name).hasValue("application/problem+json");
        }
        assertThat(stored()).isEmpty();
        assertThat(Files.exists(dir.resolve("escape.txt"))).isFalse();
    }

    @Test
    void a_file_of_several_megabytes_is_streamed_to_disk_within_the_default_limits() throws IOException {
        byte[] big = new byte[3 * 1024 * 1024 + 7];
        java.util.Arrays.fill(big, (byte) 'z');

        HttpResponse<String> r = upload(ACME, "convert", new Part("big.bin", big));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(stored()).singleElement().satisfies(p -> assertThat(Files.size(p)).isEqualTo(big.length));
    }

    @Test
    void a_name_given_twice_in_one_upload_is_refused() throws IOException {
        HttpResponse<String> r = upload(ACME, "convert", Part.of("same.txt", "1"), Part.of("SAME.txt", "2"));

        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(ServerFixture.json(r).get("detail").asText()).contains("comes twice");
        assertThat(stored()).isEmpty();
    }

    @Test
    void the_tiers_limits_on_size_count_and_total_are_kept() throws IOException {
        HttpResponse<String> big = upload(OTHER, "convert", Part.of("big.bin", "x".repeat(1025)));
        HttpResponse<String> many = upload(OTHER, "convert", Part.of("1.txt", "1"), Part.of("2.txt", "2"), Part.of("3.txt", "3"));
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(ServerFixture.json(big).get("detail").asText()).contains("1025 bytes", "1024");
        assertThat(many.statusCode()).isEqualTo(413);
        assertThat(ServerFixture.json(many).get("detail").asText()).contains("3 files are more than the 2");

        assertThat(upload(OTHER, "convert", Part.of("a.bin", "x".repeat(1000)), Part.of("b.bin", "x".repeat(1000))).statusCode())
                .isEqualTo(201);
        HttpResponse<String> full = upload(OTHER, "convert", Part.of("c.bin", "x".repeat(1001)));
        assertThat(full.statusCode()).isEqualTo(413);
        assertThat(ServerFixture.json(full).get("detail").asText()).contains("1000 are left");
        assertThat(stored()).hasSize(2);
    }

    @Test
    void uploads_need_a_template_that_takes_them_multipart_and_the_submit_role() {
        assertThat(upload(ACME, "cat", Part.of("a.txt", "x")).statusCode()).isEqualTo(422);
        assertThat(upload(ACME, null, Part.of("a.txt", "x")).statusCode()).isEqualTo(422);
        assertThat(upload(ACME_READER, "convert", Part.of("a.txt", "x")).statusCode()).isEqualTo(403);
        assertThat(upload(null, "convert", Part.of("a.txt", "x")).statusCode()).isEqualTo(401);
        assertThat(f.post("/api/v1/uploads?template=convert", ACME, "{}").statusCode()).isEqualTo(415);
    }
}
