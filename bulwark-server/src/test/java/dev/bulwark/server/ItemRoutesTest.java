package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.ACME_READER;
import static dev.bulwark.server.ServerFixture.OTHER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The routes of a job's detail and the retry of one item, over HTTP with bearer tokens. */
class ItemRoutesTest extends ServerTest {
    String job;

    @BeforeEach
    void submitJob() {
        job = f.submitAndAwait(ACME, "{\"template\": \"fail\", \"items\": [\"good\", \"bad-1\", \"bad-2\"]}", "PARTIAL");
    }

    @Test
    void retrying_one_failed_item_runs_only_that_item_again() {
        HttpResponse<String> r = f.post("/api/v1/jobs/" + job + "/items/2/retry", ACME, null);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(ServerFixture.json(r).get("status").asText()).isEqualTo("QUEUED");
        f.awaitStatus(job, ACME, "PARTIAL");
        assertThat(item(2).get("attempts")).hasSize(2);
        assertThat(item(3).get("attempts")).hasSize(1);
        assertThat(item(1).get("attempts")).hasSize(1);
    }

    @Test
    void an_item_that_did_not_fail_cannot_be_retried() {
        HttpResponse<String> r = f.post("/api/v1/jobs/" + job + "/items/1/retry", ACME, null);

        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(ServerFixture.json(r).get("detail").asText()).isEqualTo("item 1 of job " + job
                + " is SUCCEEDED: only a FAILED or SKIPPED item can be retried");
        assertThat(f.job(job, ACME).get("status").asText()).isEqualTo("PARTIAL");
    }

    @Test
    void retrying_a_missing_or_malformed_item_or_another_tenants_is_refused() {
        assertThat(f.post("/api/v1/jobs/" + job + "/items/99/retry", ACME, null).statusCode()).isEqualTo(404);
        HttpResponse<String> bad = f.post("/api/v1/jobs/" + job + "/items/0/retry", ACME, null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(ServerFixture.json(bad).get("detail").asText()).contains("but was '0'");
        assertThat(f.post("/api/v1/jobs/" + job + "/items/2/retry", OTHER, null).statusCode()).isEqualTo(404);
        assertThat(f.post("/api/v1/jobs/" + job + "/items/2/retry", ACME_READER, null).statusCode()).isEqualTo(403);
    }

    @Test
    void errors_are_grouped_by_class_and_category_with_an_example() {
        JsonNode errors = ServerFixture.json(f.get("/api/v1/jobs/" + job + "/errors", ACME));

        assertThat(errors.get("complete").asBoolean()).isTrue();
        assertThat(errors.get("categories")).hasSize(1);
        JsonNode g = errors.get("categories").get(0);
        assertThat(g.get("category").asText()).isEqualTo("exit:3");
        assertThat(g.get("errorClass").asText()).isEqualTo("PERMANENT");
        assertThat(g.get("count").asLong()).isEqualTo(2);
        assertThat(g.get("exampleKey").asText()).isEqualTo("bad-1");
    }

    @Test
    void throughput_counts_the_finished_items_per_interval_since_the_start() {
        JsonNode t = ServerFixture.json(f.get("/api/v1/jobs/" + job + "/throughput", ACME));

        assertThat(t.get("intervalSeconds").asLong()).isEqualTo(1);
        long succeeded = 0;
        long failed = 0;
        for (JsonNode i : t.get("intervals")) {
            succeeded += i.get("succeeded").asLong();
            failed += i.get("failed").asLong();
        }
        assertThat(succeeded).isEqualTo(1);
        assertThat(failed).isEqualTo(2);
    }

    @Test
    void the_timeline_lists_the_jobs_events_oldest_first() {
        JsonNode events = ServerFixture.json(f.get("/api/v1/jobs/" + job + "/timeline", ACME)).get("events");

        assertThat(events.get(0).get("type").asText()).isEqualTo("items_found");
        assertThat(events.get(events.size() - 1).get("type").asText()).isEqualTo("job_finished");
    }

    @Test
    void the_review_queue_downloads_as_csv_with_one_row_per_failed_item() {
        HttpResponse<String> r = f.get("/api/v1/jobs/" + job + "/review.csv", ACME_READER);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"review-queue-" + job + ".csv\"");
        assertThat(r.body().lines()).hasSize(3).first().isEqualTo(String.join(",", ReviewQueueExport.COLUMNS));
        assertThat(f.get("/api/v1/jobs/" + job + "/review.xlsx", OTHER).statusCode()).isEqualTo(404);
    }

    @Test
    void workers_are_for_operators_and_empty_without_a_shared_ledger() {
        assertThat(f.get("/api/v1/workers", ACME_READER).statusCode()).isEqualTo(403);
        JsonNode w = ServerFixture.json(f.get("/api/v1/workers", ACME));
        assertThat(w.get("sharedLedger").asBoolean()).isFalse();
        assertThat(w.get("workers")).isEmpty();
    }

    @Test
    void the_list_of_jobs_includes_counts_and_progress_when_asked() {
        JsonNode listed = ServerFixture.json(f.get("/api/v1/jobs?include=progress", ACME)).get("jobs").get(0);

        assertThat(listed.get("counts").get("failed").asLong()).isEqualTo(2);
        assertThat(listed.get("progress").get("percent").asDouble()).isEqualTo(100.0);
        assertThat(ServerFixture.json(f.get("/api/v1/jobs", ACME)).get("jobs").get(0).has("counts")).isFalse();
    }

    private JsonNode item(long seq) {
        return ServerFixture.json(f.get("/api/v1/jobs/" + job + "/items/" + seq, ACME));
    }
}
