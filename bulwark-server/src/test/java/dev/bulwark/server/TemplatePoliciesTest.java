package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The failure policies a template declares, through the API: a breaker that halts the job, and a rollback. */
class TemplatePoliciesTest extends ServerTest {
    @Test
    void a_breaker_in_halt_mode_fails_the_job_and_after_a_reset_resume_runs_the_skipped_items() {
        String id = f.submit(ACME, "{\"template\": \"halting\", \"items\": [\"bad-1\", \"bad-2\", \"good-3\", \"good-4\"]}");
        JsonNode job = f.awaitStatus(id, ACME, "FAILED");
        assertThat(job.get("reason").asText()).startsWith("breaker-open");
        assertThat(job.get("counts").get("skipped").asInt()).isEqualTo(2);
        JsonNode open = job.get("openBreakers").get(0); // from the ledger's events: the job no longer runs
        assertThat(open.get("scope").asText()).isEqualTo("*");
        assertThat(open.get("reason").asText()).contains("2 consecutive failures");
        assertThat(json(f.get("/api/v1/breakers", ACME)).get("breakers").get(0).get("jobId").asText()).isEqualTo(id);
        String metrics = f.get("/api/v1/metrics", ACME).body(); // a halted job's breaker still counts
        assertThat(ServerFixture.metric(metrics, "bulwark_breakers{state=\"open\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(metrics).doesNotContain(id);

        HttpResponse<String> reset = f.post(open.get("resetUrl").asText(), ACME, null);
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        assertThat(json(reset).get("next").asText()).contains("/api/v1/jobs/" + id + "/resume");
        assertThat(f.job(id, ACME).get("openBreakers")).isEmpty();
        assertThat(json(f.get("/api/v1/breakers", ACME)).get("breakers")).isEmpty();

        assertThat(f.post("/api/v1/jobs/" + id + "/resume", ACME, null).statusCode()).isEqualTo(202);
        job = f.awaitStatus(id, ACME, "PARTIAL"); // good-3 and good-4 ran; bad-1 and bad-2 stay failed
        assertThat(job.get("counts").get("succeeded").asInt()).isEqualTo(2);
        assertThat(job.get("counts").get("failed").asInt()).isEqualTo(2);
    }

    @Test
    void a_critical_failure_rolls_back_the_succeeded_items_newest_first_with_the_templates_command() throws Exception {
        String id = f.submit(ACME, "{\"template\": \"rollback\", \"items\": [\"a\", \"b\", \"crit-c\", \"d\"]}");
        JsonNode job = f.awaitStatus(id, ACME, "FAILED");
        assertThat(job.get("reason").asText()).contains("critical error on item 3").contains("rolled back: 2 item(s) compensated");
        assertThat(job.get("counts").get("compensated").asInt()).isEqualTo(2);
        assertThat(job.get("counts").get("skipped").asInt()).isEqualTo(1);
        assertThat(json(f.get("/api/v1/jobs/" + id + "/items?status=COMPENSATED", ACME)).get("items"))
                .extracting(i -> i.get("key").asText()).containsExactly("a", "b");
        assertThat(Files.readAllLines(dir.resolve("undone"))).containsExactly("undo b", "undo a");
        assertThat(job.get("config").get("compensate").get("command").get(0).asText()).contains("undo $1");
    }
}
