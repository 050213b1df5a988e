package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.util.Json;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.ledger.Completion;
import dev.bulwark.jdbc.PgSchemaExtension;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --store}, {@code submit}, and what {@code status}, {@code list}, {@code export},
 * {@code cancel} and {@code retry-failed} do with a job run by workers, in process, on a real
 * PostgreSQL. (Workers themselves run as processes in {@code WorkersIT}.)
 */
class StoreCommandsTest {
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("cli");

    @TempDir
    Path tmp;

    private String store;
    private Path items;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void setUp() throws IOException {
        store = PG.url(null);
        items = tmp.resolve("ids.txt");
        Files.write(items, List.of("a", "b", "c"));
    }

    int bulwark(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private String submit(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("submit", "--store", store, "--items", items.toString(),
                "--concurrency", "2"));
        args.addAll(List.of(more));
        args.addAll(List.of("--", "true"));
        assertThat(bulwark(args.toArray(String[]::new))).as(err.toString()).isZero();
        return out.toString().strip();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "mysql://db/x|--store must be postgresql://HOST[:PORT]/DATABASE?user=NAME or sqlite:PATH, but was 'mysql://db/x'",
            "postgresql://db|--store 'postgresql://db' names no database",
            "postgresql:///bulwark|names no host",
            "postgresql://db:99999/bulwark|the port must be between 1 and 65535, but was 99999",
            "postgresql://db host/bulwark?user=u&password=secret|--store 'postgresql://db host/bulwark?user=u&password=***' is not a valid URL",
            "sqlite:|needs a file: sqlite:PATH"})
    void a_bad_store_is_refused_naming_the_value(String value, String message) {
        assertThat(bulwark("list", "--store", value)).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains(message).doesNotContain("secret");
    }

    @Test
    void submit_needs_a_shared_store_and_takes_the_policies_of_run() {
        assertThat(bulwark("submit", "--home", tmp.resolve("home").toString(), "--items", items.toString(), "--", "true"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("submit needs the shared ledger that workers use: --store postgresql://");
        assertThat(bulwark("submit", "--store", "sqlite:" + tmp.resolve("l.db"), "--items", items.toString(), "--", "true"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("but --store was sqlite:");
        assertThat(bulwark("submit", "--store", store, "--ordered", "--job-timeout", "1h", "--stop-on-first-failure", "--halt", "soon",
                "--on-critical", "rollback", "--compensate", "true", "--items", items.toString(), "--", "true"))
                .as(err.toString()).isZero();
        assertThat(bulwark("worker", "--store", "sqlite:x.db")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("worker needs the shared ledger");
        assertThat(bulwark("worker", "--store", store, "--lease", "100ms")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--lease must be at least 300ms, but was 100ms");
    }

    @Test
    void a_submitted_job_waits_queued_for_workers_and_reads_like_any_job() {
        String id = submit("--priority", "3", "--job-name", "nightly");
        assertThat(id).matches("[0-9a-f-]{36}");
        assertThat(err.toString()).contains("submitted: 3 items, concurrency 2 across workers, priority 3");

        assertThat(bulwark("status", "--store", store, id.substring(0, 8), "--json")).isZero();
        JsonNode status = Json.read(out.toString(), JsonNode.class);
        assertThat(status.get("status").asText()).isEqualTo("QUEUED");
        assertThat(status.get("counts").get("pending").asLong()).isEqualTo(3);
        assertThat(bulwark("list", "--store", store)).isZero();
        assertThat(out.toString()).contains(id).contains("nightly");
        assertThat(bulwark("export", "--store", store, id, "--format", "csv")).as(err.toString()).isZero();
        assertThat(bulwark("resume", "--store", store, id)).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("run by workers: start a worker");
        assertThat(bulwark("pause", "--store", store, id)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("PAUSED");
        assertThat(bulwark("resume", "--store", store, id)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("QUEUED for the workers");
    }

    @Test
    void cancel_ends_a_job_run_by_workers_in_the_shared_ledger() {
        String id = submit();
        assertThat(bulwark("cancel", "--store", store, id)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("CANCELLED");
        assertThat(bulwark("status", "--store", store, id, "--json")).isZero();
        JsonNode status = Json.read(out.toString(), JsonNode.class);
        assertThat(status.get("counts").get("skipped").asLong()).isEqualTo(3);
    }

    @Test
    void retry_failed_hands_the_failed_items_back_to_the_workers() throws Exception {
        String id = submit();
        // As if workers had run the job and every item had failed.
        try (Connection c = PG.db().connect(PG.schema()); Statement s = c.createStatement()) {
            s.execute("UPDATE items SET status = 'FAILED', attempts = 3");
            s.execute("UPDATE jobs SET status = 'FAILED', reason = 'every item failed', finished_at = now()");
        }
        assertThat(bulwark("retry-failed", "--store", store, id)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("QUEUED for the workers");
        assertThat(bulwark("status", "--store", store, id, "--json")).isZero();
        JsonNode status = Json.read(out.toString(), JsonNode.class);
        assertThat(status.get("status").asText()).isEqualTo("QUEUED");
        assertThat(status.get("counts").get("pending").asLong()).isEqualTo(3);
    }

    @Test
    void submit_takes_a_breaker_that_workers_share_and_breaker_list_and_reset_work_with_the_store() {
        // Taken with every policy (after the job below: a worse priority).
        assertThat(bulwark("submit", "--store", store, "--breaker", "consecutive=2", "--on-open", "fail", "--max-failures", "1",
                "--priority", "5", "--items", items.toString(), "--", "true")).as(err.toString()).isZero();
        String id = submit("--breaker", "consecutive=2");

        // Two failures recorded by workers open the job's one breaker (scope *) in the shared ledger.
        try (PostgresLedger ledger = PostgresLedger.open(store, null, null)) {
            WorkQueue queue = new WorkQueue(ledger);
            BreakerConfig breaker = ledger.findJob(UUID.fromString(id)).orElseThrow().config().breaker();
            for (WorkQueue.Lease lease : queue.claim("w", 2, Duration.ofMinutes(5))) {
                Item item = lease.item();
                queue.complete(lease, Completion.of(new Attempt(item.jobId(), item.seq(), item.lastAttempt(), item.startedAt(),
                        item.startedAt(), AttemptOutcome.FAILED, ErrorClass.TRANSIENT, "exit:1", null, 1, 0, "w", null),
                        lease.fence(), ItemStatus.FAILED), breaker);
            }
        }
        assertThat(bulwark("breaker", "list", "--store", store)).as(err.toString()).isZero();
        assertThat(out.toString()).contains(id).contains("OPEN").contains("2 consecutive failures");
        assertThat(bulwark("breaker", "reset", "--store", store, id, "*")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("breaker of scope * in job " + id + " reset for every worker");
        assertThat(bulwark("breaker", "list", "--store", store, id)).isZero();
        assertThat(out.toString()).contains("no open breakers");
        assertThat(bulwark("breaker", "reset", "--store", store, id, "*")).isZero();
        assertThat(out.toString()).contains("is not open: nothing to reset");
    }

    @Test
    void submit_takes_shared_breakers_whose_named_breaker_the_workers_open_for_every_job() throws IOException {
        Files.write(items, List.of("m1/a", "m1/b", "m1/c"));
        String id = submit("--breaker", "consecutive=2", "--breaker-scope", "{//}", "--breaker-shared");
        try (PostgresLedger ledger = PostgresLedger.open(store, null, null)) {
            WorkQueue queue = new WorkQueue(ledger);
            BreakerConfig breaker = ledger.findJob(UUID.fromString(id)).orElseThrow().config().breaker();
            assertThat(breaker.shared()).isTrue();
            for (WorkQueue.Lease lease : queue.claim("w", 2, Duration.ofMinutes(5))) {
                Item item = lease.item();
                queue.complete(lease, Completion.of(new Attempt(item.jobId(), item.seq(), item.lastAttempt(), item.startedAt(),
                        item.startedAt(), AttemptOutcome.FAILED, ErrorClass.TRANSIENT, "exit:1", null, 1, 0, "w", null),
                        lease.fence(), ItemStatus.FAILED), breaker);
            }
            assertThat(ledger.breakers().find("m1").orElseThrow().state().state()).isEqualTo(CircuitBreaker.State.OPEN);
            assertThat(queue.claim("w", 2, Duration.ofMinutes(5))).isEmpty(); // m1/c waits while m1 is open
        }
        assertThat(bulwark("breaker", "list", "--store", store)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("m1").contains("OPEN");
        assertThat(bulwark("breaker", "reset", "--store", store, "m1")).as(err.toString()).isZero();
    }

    @Test
    void pause_and_cancel_with_the_store_reach_the_process_that_runs_the_job_from_another_terminal() throws Exception {
        Files.write(items, List.of("30", "30", "30"));
        StringWriter runErr = new StringWriter();
        java.util.concurrent.CompletableFuture<Integer> run = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(runErr, true), "run", "--home",
                        tmp.resolve("home").toString(), "--store", store, "--items", items.toString(), "--concurrency", "2",
                        "--", "sleep", "{}"));
        String id;
        try (PostgresLedger ledger = PostgresLedger.open(store, null, null)) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> ledger.listJobs(
                    dev.bulwark.ledger.JobQuery.all()).stream().anyMatch(j -> ledger.items(j.id(),
                    dev.bulwark.ledger.ItemQuery.all(10)).stream().filter(i -> i.status() == ItemStatus.RUNNING).count() == 2));
            id = ledger.listJobs(dev.bulwark.ledger.JobQuery.all()).get(0).id().toString();
        }
        assertThat(bulwark("pause", "--store", store, id)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("job " + id + " PAUSED");
        assertThat(run.get(60, java.util.concurrent.TimeUnit.SECONDS)).as(runErr.toString()).isEqualTo(ExitCodes.PAUSED);
        assertThat(runErr.toString()).contains("PAUSED: paused by bulwark pause");

        // No process runs it now: cancel ends it in the ledger; pause says there is nothing to pause.
        assertThat(bulwark("pause", "--store", store, id)).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("is PAUSED and no process runs it: nothing to pause");
        assertThat(bulwark("cancel", "--store", store, id)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("job " + id + " CANCELLED");
    }

    @Test
    void run_works_on_a_store_too() {
        Path home = tmp.resolve("home");
        assertThat(bulwark("run", "--home", home.toString(), "--store", store, "--items", items.toString(), "--", "true"))
                .as(err.toString()).isZero();
        assertThat(bulwark("list", "--store", store, "--json")).isZero();
        assertThat(Json.read(out.toString(), JsonNode.class).get(0).get("status").asText()).isEqualTo("COMPLETED");
        assertThat(bulwark("list", "--home", home.toString())).isEqualTo(ExitCodes.USAGE); // the home's own ledger holds nothing
    }
}
