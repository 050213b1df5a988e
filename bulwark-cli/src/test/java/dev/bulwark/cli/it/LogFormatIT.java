package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --log-format json} and {@code BULWARK_LOG_FORMAT=json}: engine events as JSON lines on standard error. */
class LogFormatIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private Path inbox() throws IOException {
        Path in = Files.createDirectories(work.resolve("in"));
        Files.writeString(in.resolve("good.txt"), "ok");
        Files.writeString(in.resolve("bad.txt"), "no");
        return in;
    }

    /** Every line of standard error that is a JSON object, parsed; the others are left out. */
    private static List<JsonNode> jsonLines(String stderr) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    private static void assertEvents(BulwarkProcess.Result result) throws IOException {
        List<JsonNode> events = jsonLines(result.stderr()).stream()
                .filter(line -> "dev.bulwark.events".equals(line.path("logger_name").asText())).toList();
        assertThat(events).as(result.stderr()).extracting(e -> e.get("event").asText())
                .contains("job_started", "item_succeeded", "item_retry_scheduled", "item_failed", "job_finished");
        JsonNode failed = events.stream().filter(e -> e.get("event").asText().equals("item_failed")).findFirst().orElseThrow();
        assertThat(failed.get("level").asText()).isEqualTo("WARN");
        assertThat(failed.get("job").asText()).matches("[0-9a-f-]{36}");
        assertThat(failed.get("item").asText()).endsWith("bad.txt");
        assertThat(failed.get("attempt").asInt()).isEqualTo(2);
        assertThat(failed.get("category").asText()).isEqualTo("exit:3");
        assertThat(failed.get("error").asText()).contains("exit code 3");
        assertThat(failed.get("message").asText()).isEqualTo("item_failed");
        assertThat(result.stderr()).as("no progress display").doesNotContain("% 1/2").doesNotContain("ETA");
        assertThat(result.stderr().lines().toList()).as("standard error holds JSON objects only")
                .isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
        assertThat(jsonLines(result.stderr())).anySatisfy(line -> {
            assertThat(line.get("logger_name").asText()).isEqualTo("dev.bulwark.console");
            assertThat(line.get("message").asText()).contains("PARTIAL: 1 of 2 item(s) failed");
        });
    }

    @Test
    void run_with_log_format_json_writes_each_engine_event_as_one_json_object_with_job_item_and_attempt() throws IOException {
        Path in = inbox();
        BulwarkProcess.Result result = BulwarkProcess.in(work).run("run", "--home", "home", "--input", in.toString(),
                "--log-format", "json", "--retries", "1", "--backoff", "10ms", "--",
                "sh", "-c", "case \"$1\" in *bad.txt) exit 3;; esac", "sh");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertEvents(result);
    }

    @Test
    void bulwark_log_format_in_the_environment_does_the_same_and_a_bad_value_is_refused() throws IOException {
        Path in = inbox();
        BulwarkProcess.Result result = BulwarkProcess.in(work).env("BULWARK_LOG_FORMAT", "json").run("run", "--home", "home",
                "--input", in.toString(), "--retries", "1", "--backoff", "10ms", "--",
                "sh", "-c", "case \"$1\" in *bad.txt) exit 3;; esac", "sh");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertEvents(result);

        BulwarkProcess.Result bad = BulwarkProcess.in(work).run("run", "--home", "home", "--input", in.toString(),
                "--log-format", "xml", "--", "true");
        assertThat(bad.exitCode()).isEqualTo(64);
        assertThat(bad.stderr()).contains("--log-format").contains("xml").contains("TEXT, JSON");
    }
}
