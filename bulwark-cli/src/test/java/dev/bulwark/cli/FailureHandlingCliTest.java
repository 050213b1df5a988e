package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.Attempt;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.util.Json;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.ItemQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Breakers, halting and job timeouts from the command line, with real commands: what a user
 * sees (exit codes, reasons) and what the ledger holds (attempts, outcomes).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailureHandlingCliTest extends InProcessCli {
    Path inbox;

    @BeforeEach
    void setUp() throws IOException {
        inbox = Files.createDirectories(tmp.resolve("inbox"));
    }

    private void files(String dir, int n) throws IOException {
        Path d = Files.createDirectories(inbox.resolve(dir));
        for (int i = 1; i <= n; i++) {
            Files.writeString(d.resolve(String.format("f%02d.txt", i)), "x\n");
        }
    }

    private UUID onlyJob() {
        assertThat(bulwark("list", "--home", home.toString(), "--json")).isZero();
        return UUID.fromString(Json.read(out.toString(), JsonNode.class).get(0).get("id").asText());
    }

    private SqliteLedger reader() {
        return SqliteLedger.openReadOnly(home.resolve("ledger.db"));
    }

    private List<Attempt> allAttempts(SqliteLedger ledger, UUID job) {
        List<Attempt> all = new ArrayList<>();
        for (Item i : ledger.items(job, ItemQuery.all(10_000))) {
            all.addAll(ledger.attempts(job, i.seq()));
        }
        return all;
    }

    @Test
    void halt_mode_makes_exactly_three_attempts_then_the_job_fails_and_the_rest_is_skipped() throws IOException {
        files("in", 10);

        int code = bulwark("run", "--home", home.toString(), "--input", inbox.resolve("in").toString(), "--retries", "0",
                "--breaker", "consecutive=3", "--on-open", "halt", "--", "false");

        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString()).contains("FAILED: breaker-open: the breaker of scope * opened (3 consecutive failures");
        UUID job = onlyJob();
        try (SqliteLedger ledger = reader()) {
            assertThat(allAttempts(ledger, job)).hasSize(3);
            assertThat(ledger.counts(job)).extracting(c -> c.failed(), c -> c.skipped()).containsExactly(3L, 7L);
        }
        assertThat(bulwark("breaker", "list", "--home", home.toString())).isZero();
        assertThat(out.toString()).contains(job.toString()).contains("OPEN").contains("3 consecutive failures");
        assertThat(bulwark("status", "--home", home.toString(), job.toString())).isZero();
        assertThat(out.toString()).contains("breaker   consecutive=3, open 1m, trials 1, on open halt, one scope for the job")
                .contains("OPEN * until");
    }

    @Test
    void a_reset_then_resume_continues_a_job_a_breaker_halted() throws IOException {
        files("in", 6);
        Path flag = tmp.resolve("up");
        String script = "test -e '" + flag + "'";
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.resolve("in").toString(), "--retries", "0",
                "--breaker", "consecutive=2", "--on-open", "halt", "--shell", "--", script)).isEqualTo(ExitCodes.FAILED);
        UUID job = onlyJob();

        assertThat(bulwark("breaker", "reset", "--home", home.toString(), job.toString(), "nope")).isZero();
        assertThat(out.toString()).contains("is not open: nothing to reset");
        assertThat(bulwark("breaker", "reset", "--home", home.toString(), job.toString(), "*")).isZero();
        assertThat(out.toString()).contains("reset; continue the job with: bulwark resume " + job);
        Files.writeString(flag, "");
        int code = bulwark("resume", "--home", home.toString(), job.toString());

        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        try (SqliteLedger ledger = reader()) {
            assertThat(ledger.counts(job)).extracting(c -> c.succeeded(), c -> c.failed()).containsExactly(4L, 2L);
        }
        assertThat(bulwark("breaker", "list", "--home", home.toString(), job.toString())).isZero();
        assertThat(out.toString()).contains("no open breakers");
    }

    @Test
    void pause_mode_waits_for_the_target_and_wastes_no_attempt_while_open() throws Exception {
        files("in", 5);
        Path flag = tmp.resolve("up");
        String script = "test -e '" + flag + "'";
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> bulwark("run", "--home", home.toString(),
                "--input", inbox.resolve("in").toString(), "--retries", "5", "--backoff", "100ms", "--backoff-max", "100ms",
                "--breaker", "consecutive=3", "--breaker-open", "1s", "--shell", "--", script));
        UUID job = await().atMost(Duration.ofSeconds(30)).until(() -> {
            if (!Files.exists(home.resolve("ledger.db"))) {
                return null;
            }
            try (SqliteLedger ledger = reader()) {
                var jobs = ledger.listJobs(dev.bulwark.ledger.JobQuery.all());
                if (jobs.isEmpty()) {
                    return null;
                }
                UUID id = jobs.get(0).id();
                boolean opened = ledger.events(id, 1_000).stream().anyMatch(e -> e.type().equals(BreakerStatus.OPENED));
                return opened ? id : null;
            } catch (RuntimeException e) {
                return null; // the ledger is still being created
            }
        }, java.util.Objects::nonNull);

        Files.writeString(flag, "");

        assertThat(run.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
        try (SqliteLedger ledger = reader()) {
            List<EngineEvent.BreakerOpened> opened = ledger.events(job, 10_000).stream()
                    .filter(e -> e instanceof EngineEvent.BreakerOpened).map(e -> (EngineEvent.BreakerOpened) e).toList();
            assertThat(opened).isNotEmpty();
            List<Attempt> attempts = allAttempts(ledger, job);
            for (EngineEvent.BreakerOpened o : opened) {
                Instant until = o.openUntil();
                assertThat(attempts).as("attempts started while the breaker was open")
                        .noneMatch(a -> a.startedAt().isAfter(o.at()) && a.startedAt().isBefore(until.minusMillis(1)));
            }
            assertThat(ledger.counts(job).succeeded()).isEqualTo(5);
            // 3 failures opened it, and a failed trial is one more each time; everything else ran once
            assertThat(attempts).hasSize(5 + 3 + (opened.size() - 1));
        }
    }

    @Test
    void one_scope_down_does_not_slow_the_other_in_fail_mode() throws IOException {
        files("up", 8);
        files("down", 8);

        int code = bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--recursive", "--retries", "0",
                "--concurrency", "2", "--breaker", "consecutive=3", "--breaker-scope", "{//}", "--on-open", "fail",
                "--shell", "--", "case \"$1\" in */down/*) exit 1;; esac");

        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        UUID job = onlyJob();
        try (SqliteLedger ledger = reader()) {
            List<Item> items = ledger.items(job, ItemQuery.all(100));
            assertThat(items).filteredOn(i -> i.scope().endsWith("up"))
                    .allMatch(i -> i.status() == ItemStatus.SUCCEEDED && i.attempts() == 1).hasSize(8);
            List<Item> down = items.stream().filter(i -> i.scope().endsWith("down")).toList();
            assertThat(down).allMatch(i -> i.status() == ItemStatus.FAILED).hasSize(8);
            // 3 failures open it; with concurrency 2 one more may already run when it opens
            assertThat(down).filteredOn(i -> "breaker-open".equals(i.category())).hasSizeGreaterThanOrEqualTo(8 - 3 - 1)
                    .allMatch(i -> ledger.attempts(job, i.seq()).isEmpty());
        }
    }

    @Test
    void a_job_timeout_halts_the_job_with_its_reason() throws IOException {
        files("in", 3);

        int code = bulwark("run", "--home", home.toString(), "--input", inbox.resolve("in").toString(), "--job-timeout", "1s",
                "--kill-grace", "1s", "--", "sleep", "30");

        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString()).contains("FAILED: job-timeout: the job ran out of its time budget (1s)");
    }

    @Test
    void bad_failure_handling_options_are_refused_with_the_value_named() throws IOException {
        assertRefused("'x'", "--breaker", "consecutive=x");
        assertRefused("go with --breaker SPEC", "--on-open", "halt");
        assertRefused("--on-open must be one of pause, halt, fail, but was 'explode'",
                "--breaker", "consecutive=3", "--on-open", "explode");
        assertRefused("--halt must be one of now, soon, but was 'later'", "--halt", "later");
        assertRefused("needs the payload field \"host\"", "--breaker", "consecutive=3", "--breaker-scope", "{host}");
        assertRefused("--job-timeout", "--job-timeout", "soon");
    }

    @Test
    void a_critical_exit_rolls_back_what_succeeded_newest_first_with_the_compensation_command() throws IOException {
        files("in", 5);
        Path done = tmp.resolve("done.txt");
        Path undone = tmp.resolve("undone.txt");

        int code = bulwark("run", "--home", home.toString(), "--input", inbox.resolve("in").toString(), "--critical-exit", "99",
                "--on-critical", "rollback", "--compensate", "echo \"$1\" >> '" + undone + "'", "--shell", "--",
                "case \"$1\" in *f04.txt) exit 99;; esac; echo \"$1\" >> '" + done + "'");

        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString()).contains("critical error on item 4").contains("rolled back: 3 item(s) compensated")
                .contains("compensated 3");
        List<String> did = Files.readAllLines(done);
        List<String> undid = Files.readAllLines(undone);
        assertThat(undid).containsExactlyElementsOf(did.reversed());
        UUID job = onlyJob();
        try (SqliteLedger ledger = reader()) {
            assertThat(ledger.counts(job)).extracting(c -> c.compensated(), c -> c.failed(), c -> c.skipped())
                    .containsExactly(3L, 1L, 1L);
            assertThat(ledger.attempts(job, 1)).extracting(Attempt::outcome)
                    .containsExactly(dev.bulwark.AttemptOutcome.SUCCEEDED, dev.bulwark.AttemptOutcome.COMPENSATED);
        }
    }

    @Test
    void compensate_needs_rollback_and_a_command() throws IOException {
        assertRefused("--compensate goes with --on-critical rollback", "--compensate", "rm {}");
        assertRefused("needs --compensate COMMAND", "--on-critical", "rollback");
        assertRefused("--compensate has an unclosed single quote", "--on-critical", "rollback", "--compensate", "rm 'unclosed");
    }

    /**
     * {@code run --input DIR OPTIONS -- true} on a folder of one file is a usage error whose message
     * contains {@code expected}, answered before anything is stored.
     */
    private void assertRefused(String expected, String... options) throws IOException {
        files("in", 1);
        List<String> args = new ArrayList<>(List.of("run", "--home", home.toString(), "--input", inbox.resolve("in").toString()));
        args.addAll(List.of(options));
        args.addAll(List.of("--", "true"));
        assertThat(bulwark(args.toArray(String[]::new))).as(String.join(" ", options)).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).as(String.join(" ", options)).contains(expected);
        assertThat(Files.exists(home.resolve("ledger.db"))).as(String.join(" ", options)).isFalse();
    }

    @Test
    void compensate_commands_split_like_a_shell_without_expanding() {
        assertThat(Options.words("rm -f 'out dir/{/}' \"a \\\"b\" c\\ d $HOME", "--compensate"))
                .containsExactly("rm", "-f", "out dir/{/}", "a \"b", "c d", "$HOME");
    }
}
