package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk is Bulwark's fault, not the items': with the item logs (or the whole home) on a
 * small file system that fills up, the job pauses, the user reads one line naming the path and the
 * process exits with code 5; no item is failed and no retry is used; once there is space, resume
 * finishes every item and runs none that had a recorded outcome again.
 *
 * <p>The small file system is a real one: a tmpfs of a few hundred KiB mounted for the test. That
 * needs root and a {@code mount} that may mount; where it cannot, the tests are skipped, saying why
 * ({@code HomeIT} covers a ledger that cannot grow with {@code ulimit -f}, which needs neither).
 */
class FullDiskIT {
    private static final int ITEMS = 120;
    /** Each item writes this much output into its log: the small file system holds a few dozen. */
    private static final String CHATTY = "echo \"$BULWARK_ITEM_SEQ\" >> \"$RAN\"; head -c 4000 /dev/zero | tr '\\0' x; echo";

    @TempDir
    Path work;
    private Path home;
    private Path ran;
    private final List<Path> mounted = new ArrayList<>();

    @BeforeEach
    void paths() {
        home = work.resolve("home");
        ran = work.resolve("ran.log"); // outside the small file system
    }

    @AfterEach
    void unmount() throws Exception {
        for (Path dir : mounted.reversed()) {
            sh("umount", dir.toString());
        }
    }

    /** Mounts a tmpfs of {@code kib} KiB at {@code dir}, or skips the test saying why it cannot. */
    private void mountSmall(Path dir, int kib) throws Exception {
        Files.createDirectories(dir);
        String out = sh("mount", "-t", "tmpfs", "-o", "size=" + kib + "k", "tmpfs", dir.toString());
        Assumptions.assumeTrue(out == null, "cannot mount a small file system for this test (it needs root and a mount "
                + "that may mount): " + out);
        mounted.add(dir);
    }

    private static void resize(Path dir, int kib) throws Exception {
        String out = sh("mount", "-o", "remount,size=" + kib + "k", dir.toString());
        assertThat(out).as("remount " + dir).isNull();
    }

    /** Runs a system command; null when it succeeded, else its output. */
    private static String sh(String... command) throws Exception {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            return p.waitFor() == 0 ? null : "exit " + p.exitValue() + ": " + out.strip();
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private BulwarkProcess.Builder bulwark() {
        return BulwarkProcess.in(work).env("RAN", ran.toString());
    }

    private Path items() throws IOException {
        return Files.write(work.resolve("items.txt"), IntStream.rangeClosed(1, ITEMS).mapToObj(i -> "item-" + i).toList());
    }

    private Map<Long, String> statuses(UUID job) {
        Map<Long, String> m = new TreeMap<>();
        for (JsonNode row : bulwark().run("export", job.toString(), "--home", home.toString(), "--format", "jsonl")
                .expectExit(0).jsonLines()) {
            m.put(row.get("seq").asLong(), row.get("status").asText());
        }
        return m;
    }

    private List<Long> starts() throws IOException {
        return Files.readAllLines(ran).stream().map(Long::parseLong).toList();
    }

    /** The run stopped with exit 5 and one error line (naming {@code path}); returns the job. */
    private static UUID pausedWithOneLine(BulwarkProcess.Result r, String path) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
        List<String> lines = r.stderr().lines().filter(l -> !l.startsWith("bulwark: job ")).toList();
        assertThat(lines).as("one line besides the job line\n" + r).hasSize(1);
        assertThat(lines.getFirst()).startsWith("bulwark: ").contains(path).contains("No space left on device")
                .contains("is paused and nothing recorded is lost").contains("bulwark resume");
        assertThat(r.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
        return UUID.fromString(r.stderr().lines().filter(l -> l.startsWith("bulwark: job ")).findFirst().orElseThrow()
                .substring(13, 49));
    }

    @Test
    void full_log_disk_pauses_the_job_with_one_line_and_exit_5_and_resume_finishes_it() throws Exception {
        Files.createDirectories(home);
        mountSmall(home.resolve("logs"), 160);
        BulwarkProcess.Result full = bulwark().run("run", "--home", home.toString(), "--items", items().toString(),
                "--concurrency", "4", "--retries", "0", "--quiet", "--shell", CHATTY);
        UUID job = pausedWithOneLine(full, home.resolve("logs").toString());

        JsonNode status = bulwark().run("status", job.toString(), "--home", home.toString(), "--json").expectExit(0).json();
        assertThat(status.get("status").asText()).isEqualTo("PAUSED");
        Map<Long, String> before = statuses(job);
        assertThat(before.values()).as("no item is failed by Bulwark's full disk").doesNotContain("FAILED")
                .contains("SUCCEEDED").contains("PENDING");
        List<Long> done = before.entrySet().stream().filter(e -> e.getValue().equals("SUCCEEDED")).map(Map.Entry::getKey).toList();

        resize(home.resolve("logs"), 4096);
        List<Long> startsBefore = starts();
        bulwark().run("resume", job.toString(), "--home", home.toString(), "--quiet").expectExit(0);
        assertThat(statuses(job).values()).as("every item succeeded").containsOnly("SUCCEEDED").hasSize(ITEMS);
        List<Long> again = starts().subList(startsBefore.size(), starts().size());
        assertThat(again).as("items with a recorded outcome that ran again").doesNotContainAnyElementsOf(done);
        assertThat(starts().stream().collect(Collectors.toSet())).hasSize(ITEMS);
    }

    @Test
    void full_disk_under_the_whole_home_pauses_or_stops_with_one_line_and_resume_finishes_it() throws Exception {
        mountSmall(home, 400);
        BulwarkProcess.Result full = bulwark().run("run", "--home", home.toString(), "--items", items().toString(),
                "--concurrency", "4", "--retries", "0", "--quiet", "--shell", CHATTY);
        assertThat(full.exitCode()).as(full.toString()).isEqualTo(5);
        List<String> lines = full.stderr().lines().filter(l -> !l.startsWith("bulwark: job ")).toList();
        assertThat(lines).as("one line besides the job line\n" + full).hasSize(1);
        assertThat(lines.getFirst()).startsWith("bulwark: ").contains(home.toString());
        assertThat(full.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
        UUID job = UUID.fromString(full.stderr().lines().filter(l -> l.startsWith("bulwark: job ")).findFirst().orElseThrow()
                .substring(13, 49));

        resize(home, 8192);
        Map<Long, String> before = statuses(job);
        assertThat(before.values()).as("no item is failed by Bulwark's full disk").doesNotContain("FAILED");
        List<Long> done = before.entrySet().stream().filter(e -> e.getValue().equals("SUCCEEDED")).map(Map.Entry::getKey).toList();
        List<Long> startsBefore = starts();
        bulwark().run("resume", job.toString(), "--home", home.toString(), "--quiet").expectExit(0);
        assertThat(statuses(job).values()).containsOnly("SUCCEEDED").hasSize(ITEMS);
        assertThat(starts().subList(startsBefore.size(), starts().size())).doesNotContainAnyElementsOf(done);
    }

    @Test
    void full_temporary_folder_for_standard_input_is_one_line_and_exit_5_before_any_job_exists() throws Exception {
        Path tmp = work.resolve("tmp");
        mountSmall(tmp, 64);
        Path items = Files.write(work.resolve("many.txt"), IntStream.rangeClosed(1, 20_000).mapToObj(i -> "item-" + i).toList());
        BulwarkProcess.Result r = bulwark().jvmOption("-Djava.io.tmpdir=" + tmp)
                .throughShell("exec \"$@\" < '" + items + "'")
                .run("run", "--home", home.toString(), "--items", "-", "--quiet", "--", "true");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
        assertThat(r.stderr().lines().toList()).as(r.toString()).hasSize(1);
        assertThat(r.stderr()).startsWith("bulwark: cannot copy the items from standard input to a temporary file in " + tmp)
                .contains("No space left on device").doesNotContain("\tat ");
        try (var left = Files.list(tmp)) {
            assertThat(left).as("the partial copy is removed").isEmpty();
        }
        assertThat(home.resolve("ledger.db")).as("no job was created").satisfiesAnyOf(
                p -> assertThat(p).doesNotExist(),
                p -> assertThat(bulwark().run("list", "--home", home.toString(), "--json").expectExit(0).json()).isEmpty());
    }
}
