package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.OTHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.SettableClock;
import dev.bulwark.ValidationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.retention}: finished jobs go after their time, failed ones later, running or waiting ones never. */
class RetentionTest {
    private static final String SECTION = "  port: 0\n  workers: 4\n  retention: {finished: 7d, failed: 30d, every: 1h}";

    @TempDir
    Path dir;
    ServerFixture f;
    final SettableClock clock = new SettableClock(Instant.parse("2026-06-01T00:00:00Z"));

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    private void start(String section) throws IOException {
        f = new ServerFixture(dir, section);
        f.startServer(clock);
    }

    @Test
    void completed_jobs_go_after_their_time_and_jobs_with_failures_stay_longer() throws IOException {
        start(SECTION);
        String completed = f.submit(ACME, "{\"template\": \"echo\", \"items\": [\"x\"]}");
        String partial = f.submit(ACME, "{\"template\": \"fail\", \"items\": [\"ok\", \"bad\"]}");
        f.awaitStatus(completed, ACME, "COMPLETED");
        f.awaitStatus(partial, ACME, "PARTIAL");
        assertThat(Files.isDirectory(f.dir.resolve("logs").resolve(completed))).isTrue();

        clock.advance(Duration.ofDays(7).minusSeconds(1));
        assertThat(f.server.applyRetention()).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        assertThat(f.server.applyRetention()).containsExactly(UUID.fromString(completed));

        assertThat(f.get("/api/v1/jobs/" + completed, ACME).statusCode()).isEqualTo(404);
        assertThat(Files.exists(f.dir.resolve("logs").resolve(completed))).isFalse();
        assertThat(f.job(partial, ACME).get("status").asText()).isEqualTo("PARTIAL");

        clock.advance(Duration.ofDays(23));
        assertThat(f.server.applyRetention()).containsExactly(UUID.fromString(partial));
        assertThat(f.get("/api/v1/jobs/" + partial, ACME).statusCode()).isEqualTo(404);
    }

    @Test
    void a_job_waiting_to_run_its_failed_items_again_is_never_deleted() throws IOException {
        start(SECTION);
        String partial = f.submitAndAwait(OTHER, "{\"template\": \"fail\", \"items\": [\"ok\", \"bad\"]}", "PARTIAL");
        Files.deleteIfExists(f.gate);
        String blocking = f.submit(OTHER, "{\"template\": \"gate\", \"items\": [\"x\"]}"); // the free tier runs one job at a time
        f.awaitStatus(blocking, OTHER, "RUNNING");
        assertThat(f.post("/api/v1/jobs/" + partial + "/retry-failed", OTHER, null).statusCode()).isEqualTo(202);

        clock.advance(Duration.ofDays(365));

        assertThat(f.server.applyRetention()).isEmpty();
        f.openGate();
        f.awaitStatus(blocking, OTHER, "COMPLETED");
        f.awaitStatus(partial, OTHER, "PARTIAL");
        assertThat(f.job(partial, OTHER).get("counts").get("retries").asInt()).isZero();
    }

    @Test
    void without_a_failed_duration_jobs_with_failures_are_kept_as_with_keep_failed() throws IOException {
        start("  port: 0\n  retention: {finished: 1d}");
        String partial = f.submitAndAwait(ACME, "{\"template\": \"fail\", \"items\": [\"bad\"]}", "FAILED");

        clock.advance(Duration.ofDays(3650));

        assertThat(f.server.applyRetention()).isEmpty();
        assertThat(f.job(partial, ACME).get("status").asText()).isEqualTo("FAILED");
    }

    @Test
    void outputs_go_after_their_own_time_and_the_job_later() throws IOException {
        start("  port: 0\n  retention: {finished: 7d, outputs: 1d}");
        String job = f.submitAndAwait(ACME, "{\"template\": \"produce\", \"items\": [\"x\"]}", "COMPLETED");
        Path outputs = f.dir.resolve("outputs").resolve(job);
        assertThat(outputs.resolve("1/result.txt")).exists();

        clock.advance(Duration.ofDays(1).plusSeconds(1));
        assertThat(f.server.applyRetention()).isEmpty();
        assertThat(outputs).doesNotExist();
        assertThat(f.job(job, ACME).get("status").asText()).isEqualTo("COMPLETED");

        clock.advance(Duration.ofDays(6));
        assertThat(f.server.applyRetention()).containsExactly(UUID.fromString(job));
    }

    @Test
    void old_uploads_go_unless_a_job_that_has_not_finished_uses_them() throws Exception {
        SettableClock now = new SettableClock(Instant.now());
        f = new ServerFixture(dir, "  port: 0\n  retention: {uploads: 1d}");
        f.startServer(now);
        String unused = upload(ACME, "a.txt");
        Files.deleteIfExists(f.gate);
        String blocking = f.submit(OTHER, "{\"template\": \"gate\", \"items\": [\"x\"]}"); // the free tier runs one job at a time
        f.awaitStatus(blocking, OTHER, "RUNNING");
        String used = upload(OTHER, "b.txt");
        String waiting = f.submit(OTHER, "{\"template\": \"convert\", \"items\": [\"globex/" + used + "/b.txt\"]}");

        now.advance(Duration.ofDays(2));
        f.server.applyRetention();

        assertThat(f.dir.resolve("uploads/acme/" + unused)).doesNotExist();
        assertThat(f.dir.resolve("uploads/globex/" + used + "/b.txt")).exists();
        f.openGate();
        f.awaitStatus(waiting, OTHER, "COMPLETED");
        f.server.applyRetention();
        assertThat(f.dir.resolve("uploads/globex/" + used)).doesNotExist();
    }

    /** Uploads one small file and returns the upload's id. */
    private String upload(String token, String name) throws Exception {
        String boundary = "retention-test";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
                + "\"\r\n\r\ncontent\r\n--" + boundary + "--\r\n";
        var r = f.http.send(java.net.http.HttpRequest.newBuilder(f.uri("/api/v1/uploads?template=convert"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return ServerFixture.json(r).get("id").asText();
    }

    @Test
    void bad_retention_settings_are_refused_naming_the_setting() throws IOException {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "server:\n  retention: {finished: soon}\ntemplates:\n  t: {command: [echo]}\n");
        assertThatThrownBy(() -> ServerConfig.load(file)).isInstanceOf(ValidationException.class)
                .hasMessageContaining("server.retention.finished must be a duration like 500ms");
        Files.writeString(file, "server:\n  retention: {keep: 1d}\ntemplates:\n  t: {command: [echo]}\n");
        assertThatThrownBy(() -> ServerConfig.load(file)).hasMessageContaining("server.retention.keep is not a known setting");
        Files.writeString(file, "server:\n  retention: {finished: 1d, every: 10ms}\ntemplates:\n  t: {command: [echo]}\n");
        assertThatThrownBy(() -> ServerConfig.load(file)).hasMessageContaining("server.retention.every must be at least 1s");
    }
}
