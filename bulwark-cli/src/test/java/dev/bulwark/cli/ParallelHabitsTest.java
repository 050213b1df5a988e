package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.util.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GNU parallel's habits that bulwark run understands: -j, ::: arguments, --joblog, --delay, --rate. Real processes. */
class ParallelHabitsTest extends InProcessCli {
    JsonNode onlyJob() {
        StringWriter keep = out;
        assertThat(bulwark("list", "--home", home.toString(), "--json")).isZero();
        JsonNode job = Json.read(out.toString(), JsonNode.class).get(0);
        out = keep;
        return job;
    }

    @Test
    void arguments_after_three_colons_are_the_items_and_j_sets_the_concurrency() {
        int code = bulwark("run", "--home", home.toString(), "-j", "2", "--tag", "--", "echo", "hello", ":::", "a", "b c", "d");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString().lines().sorted().toList()).containsExactly("a\thello a", "b c\thello b c", "d\thello d");
        JsonNode job = onlyJob();
        assertThat(job.get("total").asInt()).isEqualTo(3);
        assertThat(job.get("config").get("concurrency").asInt()).isEqualTo(2);
        assertThat(job.get("config").get("input").get("type").asText()).isEqualTo("arguments");
        assertThat(job.get("config").get("exec").get("command").toString()).isEqualTo("[\"echo\",\"hello\"]");
    }

    @Test
    void j_with_a_percentage_is_a_share_of_the_processors() {
        assertThat(RunCommand.concurrency("50%", 8)).isEqualTo(4);
        assertThat(RunCommand.concurrency("10%", 2)).isEqualTo(1);
        assertThat(RunCommand.concurrency("200%", 3)).isEqualTo(6);
        int code = bulwark("run", "--home", home.toString(), "-j", "100%", "--", "true", ":::", "x");
        assertThat(code).as(err.toString()).isZero();
        assertThat(onlyJob().get("config").get("concurrency").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(bulwark("run", "--home", home.toString(), "-j", "lots", "--", "true", ":::", "x")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--concurrency (-j) must be a number N or a share of the processors N%, such as 4 or 50%, but was 'lots'");
    }

    @Test
    void an_empty_argument_list_is_refused() {
        assertThat(bulwark("run", "--home", home.toString(), "--", "echo", ":::")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("::: must be followed by the items");
        assertThat(bulwark("run", "--home", home.toString(), "--items", "x", "--", "echo", ":::", "a")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("give only one of --input, --items, --items-jsonl and ::: ITEM...");
    }

    @Test
    void joblog_writes_gnu_parallels_format_one_line_per_finished_attempt() throws IOException {
        Path joblog = tmp.resolve("jobs.log");
        Path marks = Files.createDirectories(tmp.resolve("marks"));
        int code = bulwark("run", "--home", home.toString(), "--joblog", joblog.toString(), "--retries", "1", "--backoff", "10ms",
                "--permanent-exit", "3", "--output", "log", "--shell", "--",
                "case $1 in bad) exit 3;; flaky) [ -e '" + marks + "/f' ] || { touch '" + marks + "/f'; exit 75; };; esac",
                ":::", "good", "flaky", "bad");
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        List<String> lines = Files.readAllLines(joblog);
        assertThat(lines.get(0)).isEqualTo("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand");
        assertThat(lines).hasSize(5);
        List<String> rows = lines.subList(1, 5).stream().map(l -> {
            String[] f = l.split("\t", -1);
            assertThat(f).hasSize(9);
            assertThat(f[1]).isEqualTo(":");
            assertThat(f[2]).matches("\\d{10}\\.\\d{3}");
            assertThat(f[3]).matches(" *\\d+\\.\\d{3}").hasSize(10);
            assertThat(f[8]).startsWith("/bin/sh -c ");
            return f[0] + " exit " + f[6] + " signal " + f[7] + " " + f[8].substring(f[8].lastIndexOf(' ') + 1);
        }).sorted().toList();
        assertThat(rows).containsExactly("1 exit 0 signal 0 good", "2 exit 0 signal 0 flaky", "2 exit 75 signal 0 flaky",
                "3 exit 3 signal 0 bad");
    }

    @Test
    void delay_spaces_the_starts_of_attempts() throws IOException {
        long t0 = System.nanoTime();
        int code = bulwark("run", "--home", home.toString(), "-j", "4", "--delay", "300ms", "--output", "log", "--", "true",
                ":::", "a", "b", "c", "d");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(code).as(err.toString()).isZero();
        // four starts, each reserved 300 ms after the one before: the run cannot take less than 900 ms
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void rate_per_scope_spaces_the_starts_within_each_scope_only() throws IOException {
        Path items = tmp.resolve("ops.jsonl");
        Files.writeString(items, """
                {"key":"a1","scope":"a"}
                {"key":"b1","scope":"b"}
                {"key":"a2","scope":"a"}
                {"key":"b2","scope":"b"}
                {"key":"a3","scope":"a"}
                """);
        long t0 = System.nanoTime();
        int code = bulwark("run", "--home", home.toString(), "--items-jsonl", items.toString(), "-j", "4", "--rate", "20/s",
                "--rate-per-scope", "1/s", "--shell", "--", recordStart());
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(code).as(err.toString()).isZero();
        // scope a starts three times, a second apart: at least 2 s; scope b is not held up by scope a
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        List<Instant> all = starts("a1", "b1", "a2", "b2", "a3");
        assertThat(all.get(1)).as("b1 started before a2").isBefore(all.get(2));
        assertThat(bulwark("run", "--home", home.toString(), "--rate", "fast", "--", "true", ":::", "x")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--rate must be a number of starts per second, minute or hour, such as 10/s");
    }

    /** A script that writes the time its process started (in nanoseconds) to a file named after the item. */
    private String recordStart() throws IOException {
        return "date +%s%N > '" + Files.createDirectories(tmp.resolve("starts")) + "'/\"$1\"";
    }

    /** When the command of each of these items started, as it recorded. */
    private List<Instant> starts(String... keys) throws IOException {
        List<Instant> starts = new ArrayList<>();
        for (String key : keys) {
            long nanos = Long.parseLong(Files.readString(tmp.resolve("starts").resolve(key)).strip());
            starts.add(Instant.ofEpochSecond(0, nanos));
        }
        return starts;
    }


    @Test
    void a_percentage_timeout_stops_an_attempt_far_slower_than_the_median_success_and_says_the_limit() {
        // No limit for the first item (no success yet); then 1000% of the ~0.1s median: the 60s sleep is stopped after about 1s.
        int code = bulwark("run", "--home", home.toString(), "--ordered", "--retries", "0", "--timeout", "1000%", "--kill-grace", "1s",
                "--", "sleep", ":::", "0.1", "0.1", "0.1", "60");
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        JsonNode job = onlyJob();
        assertThat(job.get("config").get("attemptTimeoutPercent").asInt()).isEqualTo(1000);
        assertThat(bulwark("status", "--home", home.toString(), job.get("id").asText(), "--json")).isZero();
        JsonNode failed = Json.read(out.toString(), JsonNode.class).get("failed_items");
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).get("key").asText()).isEqualTo("60");
        assertThat(failed.get(0).get("category").asText()).isEqualTo("timeout");
        assertThat(failed.get(0).get("message").asText()).matches("timed out after [0-9.]+m?s \\(1000% of the median \\d+ms\\)");
        assertThat(failed.get(0).get("duration_ms").asLong()).isLessThan(30_000);
    }

    @Test
    void a_percentage_timeout_of_zero_or_with_another_unit_is_refused() {
        assertThat(bulwark("run", "--home", home.toString(), "--timeout", "0%", "--", "true", ":::", "x")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--timeout must be a duration longer than 0 like 500ms, 30s, 5m or 1h30m, or a percentage "
                + "of the median successful attempt more than 0% like 200%, but was '0%'");
        assertThat(bulwark("run", "--home", home.toString(), "--timeout", "50x", "--", "true", ":::", "x")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("but was '50x'");
        assertThat(home.resolve("ledger.db")).doesNotExist();
    }
}
