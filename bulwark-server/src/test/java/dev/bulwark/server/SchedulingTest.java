package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.OTHER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.SettableClock;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.server.internal.WorkerPool;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Priority order through the API, and a restart in the middle of a job. */
class SchedulingTest {
    @TempDir
    Path dir;

    /** Submits a job that holds the one worker until the gate opens, and waits until it runs. */
    private static String occupyTheWorker(ServerFixture f) {
        String blocker = f.submit(ACME, "{\"template\": \"gate\", \"items\": [\"first\"]}");
        f.awaitStatus(blocker, ACME, "RUNNING");
        return blocker;
    }

    @Test
    void with_one_worker_the_higher_tier_runs_first_whatever_the_order_of_submission() throws Exception {
        try (ServerFixture f = ServerFixture.start(dir, "  port: 0\n  workers: 1\n  ageing: 1h")) {
            occupyTheWorker(f);
            String free = f.submit(OTHER, "{\"template\": \"gate\", \"items\": [\"free\"]}");
            String enterprise = f.submit(ACME, "{\"template\": \"gate\", \"items\": [\"enterprise\"]}");
            assertThat(f.job(free, OTHER).get("status").asText()).isEqualTo("QUEUED");
            assertThat(f.job(enterprise, ACME).get("status").asText()).isEqualTo("QUEUED");
            f.openGate();
            f.awaitStatus(free, OTHER, "COMPLETED");
            f.awaitStatus(enterprise, ACME, "COMPLETED");
            assertThat(startOrder(f.ledger, free, enterprise)).containsExactly(enterprise, free);
            assertThat(f.job(enterprise, ACME).get("priority").asInt()).isEqualTo(1);
            assertThat(f.job(free, OTHER).get("priority").asInt()).isEqualTo(10);
        }
    }

    @Test
    void a_low_tier_job_that_waited_long_enough_goes_before_a_new_high_tier_one() throws Exception {
        SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
        ServerFixture f = new ServerFixture(dir, "  port: 0\n  workers: 1\n  ageing: 1m");
        f.startServer(clock);
        try (f) {
            occupyTheWorker(f);
            String free = f.submit(OTHER, "{\"template\": \"echo\", \"items\": [\"free\"]}"); // priority 10
            clock.advance(Duration.ofMinutes(9)); // waited 9 periods: effective priority 1
            String enterprise = f.submit(ACME, "{\"template\": \"echo\", \"items\": [\"enterprise\"]}"); // priority 1, new
            f.openGate();
            f.awaitStatus(free, OTHER, "COMPLETED");
            f.awaitStatus(enterprise, ACME, "COMPLETED");
            // the clock stands still, so start times are equal: the claim order shows which ran first
            assertThat(startOrder(f.ledger, enterprise, free)).containsExactly(free, enterprise);
        }
    }

    /** The jobs in the order their first item started, by the ledger's claim fences (which only grow). */
    private static java.util.List<String> startOrder(Ledger ledger, String... ids) {
        return java.util.Arrays.stream(ids)
                .sorted(java.util.Comparator.comparingLong(id -> ledger.findItem(UUID.fromString(id), 1).orElseThrow().fence()))
                .toList();
    }

    @Test
    void a_job_waiting_for_a_worker_can_be_paused_resumed_and_cancelled() throws Exception {
        try (ServerFixture f = ServerFixture.start(dir, "  port: 0\n  workers: 1")) {
            String blocker = occupyTheWorker(f);
            String paused = f.submit(ACME, "{\"template\": \"echo\", \"items\": [\"p\"]}");
            String cancelled = f.submit(ACME, "{\"template\": \"echo\", \"items\": [\"c1\", \"c2\"]}");

            assertThat(f.post("/api/v1/jobs/" + paused + "/pause", ACME, null).statusCode()).isEqualTo(202);
            assertThat(f.job(paused, ACME).get("status").asText()).isEqualTo("PAUSED");
            assertThat(f.post("/api/v1/jobs/" + cancelled + "/cancel", ACME, null).statusCode()).isEqualTo(202);
            JsonNode gone = f.job(cancelled, ACME);
            assertThat(gone.get("status").asText()).isEqualTo("CANCELLED");
            assertThat(gone.get("counts").get("skipped").asInt()).isEqualTo(2);

            f.openGate();
            f.awaitStatus(blocker, ACME, "COMPLETED");
            assertThat(f.job(paused, ACME).get("status").asText()).as("a paused job does not start by itself").isEqualTo("PAUSED");
            assertThat(f.post("/api/v1/jobs/" + paused + "/resume", ACME, null).statusCode()).isEqualTo(202);
            f.awaitStatus(paused, ACME, "COMPLETED");
        }
    }

    @Test
    void a_tenant_runs_no_more_jobs_at_once_than_its_tier_allows() throws Exception {
        try (ServerFixture f = ServerFixture.start(dir)) {
            String one = f.submit(OTHER, "{\"template\": \"gate\", \"items\": [\"1\"]}");
            String two = f.submit(OTHER, "{\"template\": \"gate\", \"items\": [\"2\"]}");
            f.awaitStatus(one, OTHER, "RUNNING");
            String acme = f.submit(ACME, "{\"template\": \"gate\", \"items\": [\"3\"]}");
            f.awaitStatus(acme, ACME, "RUNNING"); // a free worker serves another tenant
            assertThat(f.job(two, OTHER).get("status").asText()).isEqualTo("QUEUED"); // free tier: one at a time
        }
    }

    @Test
    void a_shutdown_lets_running_attempts_finish_pauses_the_rest_and_a_restart_continues_by_itself() throws Exception {
        ServerFixture f = ServerFixture.start(dir);
        try {
            String id = f.submit(ACME, "{\"template\": \"gate\", \"items\": [\"a\", \"b\", \"c\"]}");
            UUID jobId = UUID.fromString(id);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> f.job(id, ACME).get("currentItems").size() == 1);
            Thread stopper = Thread.ofPlatform().start(() -> f.stopServer(Duration.ofSeconds(30)));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> f.server.draining());
            f.openGate(); // the running attempt finishes within the grace period; no other starts
            stopper.join(Duration.ofSeconds(60));
            assertThat(stopper.isAlive()).isFalse();

            try (var reader = dev.bulwark.jdbc.SqliteLedger.open(dir.resolve("ledger.db"))) {
                Job paused = reader.findJob(jobId).orElseThrow();
                assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
                assertThat(paused.reason()).isEqualTo(WorkerPool.SHUTDOWN_REASON);
                assertThat(reader.counts(jobId).succeeded()).isEqualTo(1);
            }

            f.startServer(dev.bulwark.BulwarkClock.system());
            JsonNode done = f.awaitStatus(id, ACME, "COMPLETED");
            assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(3);
            for (long seq = 1; seq <= 3; seq++) {
                assertThat(f.ledger.attempts(jobId, seq).stream()
                        .filter(a -> a.outcome() == dev.bulwark.AttemptOutcome.SUCCEEDED).count())
                        .as("item %d succeeded exactly once", seq).isEqualTo(1);
            }
        } finally {
            f.close();
        }
    }
}
