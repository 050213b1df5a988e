package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** retry-failed and resume with other run policies: a new revision of the configuration, in status and in the events. */
class RerunOverridesTest extends InProcessCli {
    @Test
    void retry_failed_with_more_retries_records_a_revision_and_runs_with_it() throws IOException {
        // fails three times, then works: two retries are not enough, four are
        Path counts = Files.createDirectories(tmp.resolve("counts"));
        String script = "f='" + counts + "'/\"$1\"; n=$(cat \"$f\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$f\"; "
                + "[ $n -gt 3 ] || exit 75";
        assertThat(bulwark("run", "--home", home.toString(), "--retries", "1", "--backoff", "10ms", "--output", "log",
                "--shell", "--", script, ":::", "x")).isEqualTo(ExitCodes.FAILED);
        assertThat(bulwark("list", "--home", home.toString(), "--json")).isZero();
        String job = Json.read(out.toString(), JsonNode.class).get(0).get("id").asText();

        int code = bulwark("retry-failed", "--home", home.toString(), job, "--retries", "4", "--timeout", "30s", "-j", "2");
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("configuration revision 2: concurrency 1 -> 2, retries 1 -> 4, timeout - -> 30s");

        assertThat(bulwark("status", "--home", home.toString(), job)).isZero();
        assertThat(out.toString()).contains("policy    concurrency 2, retries 4, backoff 10ms to 1m, timeout 30s")
                .containsPattern("revised   #2 at \\S+ by retry-failed: concurrency 1 -> 2, retries 1 -> 4, timeout - -> 30s");
        assertThat(bulwark("status", "--home", home.toString(), job, "--json")).isZero();
        JsonNode status = Json.read(out.toString(), JsonNode.class);
        assertThat(status.get("config").get("retry").get("maxAttempts").asInt()).isEqualTo(5);
        JsonNode revision = status.get("revisions").get(0);
        assertThat(revision.get("revision").asInt()).isEqualTo(2);
        assertThat(revision.get("by").asText()).isEqualTo("retry-failed");
        assertThat(revision.get("changes").get("retries").asText()).isEqualTo("1 -> 4");
        String events = Files.readString(home.resolve("logs").resolve(job).resolve("events.jsonl"));
        assertThat(events).contains("\"type\":\"config_revised\"").contains("\"retries\":\"1 -> 4\"");
    }

    @Test
    void overrides_that_change_nothing_make_no_revision_and_bad_values_are_refused() {
        assertThat(bulwark("run", "--home", home.toString(), "--retries", "0", "--output", "log", "--", "false", ":::", "x"))
                .isEqualTo(ExitCodes.FAILED);
        assertThat(bulwark("list", "--home", home.toString(), "--json")).isZero();
        String job = Json.read(out.toString(), JsonNode.class).get(0).get("id").asText();
        assertThat(bulwark("retry-failed", "--home", home.toString(), job, "--retries", "1000")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--retries must be between 0 and 999, but was 1000");
        assertThat(bulwark("retry-failed", "--home", home.toString(), job, "--retries", "0")).isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString()).doesNotContain("revision");
        assertThat(bulwark("status", "--home", home.toString(), job, "--json")).isZero();
        assertThat(Json.read(out.toString(), JsonNode.class).get("revisions")).isEmpty();
    }
}
