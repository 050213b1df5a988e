package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.util.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bulwark log} and what {@code status} says about failed items, on jobs of real processes. */
class LogCommandTest {
    @TempDir
    Path tmp;

    Path home;
    Path list;

    record Result(int code, String out, String err) {
    }

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home");
        list = tmp.resolve("items.txt");
        Files.writeString(list, "good\nflaky\nbad\n");
    }

    Result bulwark(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    String runMixedJob() {
        Path marks = tmp.resolve("marks");
        Result run = bulwark("run", "--home", home.toString(), "--items", list.toString(), "--retries", "1", "--backoff", "10ms",
                "--permanent-exit", "3", "--shell", "--",
                "echo \"output of $1\"; if [ \"$1\" = bad ]; then echo 'bad input' >&2; exit 3; fi; "
                        + "if [ \"$1\" = flaky ] && [ ! -e '" + marks + "' ]; then touch '" + marks + "'; exit 75; fi");
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.PARTIAL);
        Result jobs = bulwark("list", "--home", home.toString(), "--json");
        return Json.read(jobs.out(), JsonNode.class).get(0).get("id").asText();
    }

    @Test
    void log_prints_an_items_whole_log_or_one_attempt() {
        String job = runMixedJob();
        Result all = bulwark("log", "--home", home.toString(), job.substring(0, 6), "2");
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out()).contains("attempt=1 ", "attempt=2 ", "outcome=failed", "outcome=succeeded")
                .containsPattern("(?s)# bulwark job=" + job + " seq=2 item=flaky .*output of flaky\n# exit=75 .*output of flaky\n# exit=0 ");
        Result second = bulwark("log", "--home", home.toString(), job, "2", "--attempt", "2");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out().lines().toList()).hasSize(3);
        assertThat(second.out()).contains("attempt=2 ").doesNotContain("attempt=1 ").contains("output of flaky\n# exit=0 ");
        Result missing = bulwark("log", "--home", home.toString(), job, "2", "--attempt", "3");
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("has no attempt 3").contains("2 attempt(s)");
        Result noItem = bulwark("log", "--home", home.toString(), job, "9");
        assertThat(noItem.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noItem.err()).contains("has no item #9 (it has 3 items)");
    }

    @Test
    void log_failed_prints_the_last_attempt_of_every_failed_item() {
        String job = runMixedJob();
        Result failed = bulwark("log", "--home", home.toString(), job, "--failed");
        assertThat(failed.code()).as(failed.err()).isZero();
        assertThat(failed.out()).startsWith("# bulwark job=" + job + " seq=3 item=bad ")
                .contains("output of bad\nbad input\n# exit=3 ").doesNotContain("item=flaky");
        Result both = bulwark("log", "--home", home.toString(), job, "3", "--failed");
        assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.err()).contains("--failed prints every failed item: give no SEQ");
    }

    @Test
    void status_lists_the_first_failed_items_with_their_logs_in_text_and_json() throws IOException {
        String job = runMixedJob();
        Result text = bulwark("status", "--home", home.toString(), job);
        assertThat(text.code()).as(text.err()).isZero();
        Path log = home.resolve("logs").resolve(job).resolve("3.log").toAbsolutePath();
        assertThat(text.out()).contains("failed    #3 bad: exit:3: ")
                .contains("log: bulwark log " + job.substring(0, 8) + " 3  (" + log + ")");
        Result json = bulwark("status", "--home", home.toString(), job, "--json");
        JsonNode view = Json.read(json.out(), JsonNode.class);
        assertThat(view.get("failed_items")).hasSize(1);
        assertThat(view.get("failed_items").get(0).get("log").asText()).isEqualTo(log.toString());
        assertThat(view.get("logs").asText()).isEqualTo(home.resolve("logs").resolve(job).toAbsolutePath().toString());
        Path exported = tmp.resolve("failed.jsonl");
        assertThat(bulwark("export", "--home", home.toString(), job, "--status", "FAILED", "--format", "jsonl",
                "--output", exported.toString()).code()).isZero();
        assertThat(Json.read(Files.readString(exported), JsonNode.class).get("log").asText()).as("the export's log column is absolute, as documented")
                .isEqualTo(log.toString());
    }

    @Test
    void log_follow_prints_lines_while_the_item_runs_and_ends_with_it() throws Exception {
        // threads of its own: the common pool may have a single thread on a small machine
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
        Files.writeString(list, "slow\n");
        Path release = tmp.resolve("release");
        CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> bulwark("run", "--home", home.toString(),
                "--items", list.toString(), "--output", "log", "--shell", "--",
                "echo started; while [ ! -e '" + release + "' ]; do sleep 0.05; done; echo finished"), threads);
        Path logs = home.resolve("logs");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.isDirectory(logs) && logContains(logs, "started"));
        String job;
        try (var dirs = Files.list(logs)) {
            job = dirs.filter(Files::isDirectory).findFirst().orElseThrow().getFileName().toString();
        }
        StringWriter followed = new StringWriter();
        StringWriter followErr = new StringWriter();
        CompletableFuture<Integer> follow = CompletableFuture.supplyAsync(() -> Main.execute(new PrintWriter(followed, true),
                new PrintWriter(followErr, true), "log", "--home", home.toString(), job, "1", "--follow"), threads);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(followed.toString()).as(followErr::toString)
                .contains("started\n"));
        assertThat(follow).isNotDone();
        Files.createFile(release);
        assertThat(follow.get(60, TimeUnit.SECONDS)).isZero();
        assertThat(followed.toString()).contains("started\nfinished\n# exit=0 ").contains("outcome=succeeded");
        assertThat(run.get(60, TimeUnit.SECONDS).code()).isZero();
        threads.shutdown();
    }

    private static boolean logContains(Path logs, String text) throws IOException {
        try (var files = Files.walk(logs)) {
            return files.filter(f -> f.toString().endsWith("1.log")).anyMatch(f -> {
                try {
                    return Files.readString(f).contains(text);
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }
}
