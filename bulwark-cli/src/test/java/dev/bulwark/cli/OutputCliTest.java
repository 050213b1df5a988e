package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.util.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The commands' output on standard output: grouped, tagged, line by line, or only in the logs. Real processes. */
class OutputCliTest extends InProcessCli {
    Path list;

    @BeforeEach
    void setUp() throws IOException {
        list = itemsFile("a\nb\nc\n");
    }

    String[] run(String... rest) {
        String[] head = {"run", "--home", home.toString(), "--items", list.toString()};
        String[] all = Arrays.copyOf(head, head.length + rest.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        return all;
    }

    @Test
    void each_items_output_reaches_standard_output_as_one_block_and_stays_in_its_log() throws IOException {
        int code = bulwark(run("--concurrency", "3", "--shell", "--", "echo \"first $1\"; sleep 0.2; echo \"second $1\""));
        assertThat(code).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(6);
        for (int i = 0; i < 6; i += 2) {
            String key = lines.get(i).substring("first ".length());
            assertThat(lines.get(i)).isEqualTo("first " + key);
            assertThat(lines.get(i + 1)).as("the block of %s is not interleaved", key).isEqualTo("second " + key);
        }
        assertThat(lines).contains("first a", "first b", "first c");
        assertThat(err.toString()).contains("COMPLETED").doesNotContain("first a");
        Path log = home.resolve("logs").resolve(onlyJobId()).resolve("1.log");
        assertThat(Files.readString(log)).contains("first a\nsecond a\n");
    }

    @Test
    void tag_prefixes_every_line_with_the_items_key() {
        int code = bulwark(run("--tag", "--shell", "--", "echo one; echo two"));
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("a\tone\na\ttwo\nb\tone\nb\ttwo\nc\tone\nc\ttwo\n");
    }

    @Test
    void output_log_keeps_the_output_in_the_logs_only() throws IOException {
        int code = bulwark(run("--output", "log", "--", "echo", "hello"));
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).isEmpty();
        assertThat(Files.readString(home.resolve("logs").resolve(onlyJobId()).resolve("2.log"))).contains("hello b\n");
    }

    @Test
    void only_the_attempt_that_ended_an_item_is_printed_and_failed_items_print_too() throws IOException {
        Path marks = Files.createDirectories(tmp.resolve("marks"));
        int code = bulwark(run("--retries", "1", "--backoff", "10ms", "--permanent-exit", "3", "--shell", "--",
                "if [ \"$1\" = c ]; then echo \"c is bad\"; exit 3; fi; "
                        + "if [ ! -e '" + marks + "'/\"$1\" ]; then touch '" + marks + "'/\"$1\"; echo \"try 1 $1\"; exit 75; fi; "
                        + "echo \"try 2 $1\""));
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        assertThat(out.toString().lines().sorted().toList()).containsExactly("c is bad", "try 2 a", "try 2 b");
        assertThat(Files.readString(home.resolve("logs").resolve(onlyJobId()).resolve("1.log"))).contains("try 1 a", "try 2 a");
    }

    @Test
    void line_buffer_prints_lines_while_the_item_still_runs() throws IOException {
        Files.writeString(list, "slow\n");
        Path release = tmp.resolve("release");
        // the command waits until its first line has reached standard output, so the line cannot come at the end
        int code = bulwark(run("--line-buffer", "--tag", "--timeout", "60s", "--shell", "--",
                "echo started; while [ ! -e '" + release + "' ]; do sleep 0.05; done; echo finished"),
                () -> out.toString().contains("slow\tstarted\n"), release);
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("slow\tstarted\nslow\tfinished\n");
    }

    @Test
    void a_bad_output_mode_is_refused_before_anything_runs() {
        assertThat(bulwark(run("--output", "sideways", "--", "true"))).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--output must be one of group, line, log, but was 'sideways'");
        assertThat(home.resolve("ledger.db")).doesNotExist();
    }

    /** Runs the command while a watcher creates {@code release} once {@code ready} holds (bounded by the timeout). */
    int bulwark(String[] args, java.util.function.BooleanSupplier ready, Path release) {
        out = new StringWriter();
        err = new StringWriter();
        Thread watcher = Thread.ofPlatform().daemon().start(() -> {
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(50))
                        .pollInterval(java.time.Duration.ofMillis(20)).until(ready::getAsBoolean);
                Files.createFile(release);
            } catch (Exception | AssertionError e) {
                // the run times out and the test fails on its output
            }
        });
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        watcher.interrupt();
        return code;
    }

    String onlyJobId() {
        StringWriter keepOut = out;
        StringWriter keepErr = err;
        assertThat(bulwark("list", "--home", home.toString(), "--json")).isZero();
        JsonNode jobs = Json.read(out.toString(), JsonNode.class);
        out = keepOut;
        err = keepErr;
        return jobs.get(0).get("id").asText();
    }
}
