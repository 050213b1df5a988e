package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One home, several processes: the single writer, read-only commands beside it, cancel and pause
 * from another terminal, SIGTERM, and homes and inputs that cannot be used.
 *
 * <p>Commands that must stay running until the test lets them go wait for a gate file
 * ({@code while [ ! -e "$GATE" ]; do sleep 0.05; done}: the command polls, the test never
 * sleeps), and record each start as {@code "seq attempt"} in {@code $RAN}.
 */
class HomeIT {
    private static final Duration LONG = Duration.ofMinutes(3);
    /** Records the start, then waits for the gate. */
    private static final String GATED = "echo \"$BULWARK_ITEM_SEQ $BULWARK_ATTEMPT\" >> \"$RAN\"; "
            + "while [ ! -e \"$GATE\" ]; do sleep 0.05; done";

    @TempDir
    Path work;

    private Path home;
    private Path ran;
    private Path gate;

    @BeforeEach
    void paths() {
        home = work.resolve("home");
        ran = work.resolve("ran.log");
        gate = work.resolve("gate");
    }

    private BulwarkProcess.Builder bulwark() {
        return BulwarkProcess.in(work).env("RAN", ran.toString()).env("GATE", gate.toString());
    }

    private Path items(String name, int count) throws IOException {
        return Files.write(work.resolve(name), IntStream.rangeClosed(1, count).mapToObj(i -> "item-" + i).toList());
    }

    /** The starts recorded in {@code $RAN}: "seq attempt" lines. */
    private List<String> starts() {
        try {
            return Files.exists(ran) ? Files.readAllLines(ran, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void awaitStarts(int count, BulwarkProcess runner) {
        BulwarkProcess.await(() -> starts().size() >= count, LONG,
                () -> "expected " + count + " starts, got " + starts() + "\n" + runner.describe());
    }

    private BulwarkProcess.Result cli(String... args) {
        return bulwark().run(args);
    }

    private JsonNode status(UUID job) {
        return cli("status", job.toString(), "--home", home.toString(), "--json").expectExit(0).json();
    }

    private Map<Long, String> exportedStatuses(UUID job) {
        Map<Long, String> statuses = new TreeMap<>();
        for (JsonNode row : cli("export", job.toString(), "--home", home.toString(), "--format", "jsonl")
                .expectExit(0).jsonLines()) {
            statuses.put(row.get("seq").asLong(), row.get("status").asText());
        }
        return statuses;
    }

    private static Map<Long, String> all(int n, String status) {
        Map<Long, String> m = new TreeMap<>();
        for (long i = 1; i <= n; i++) {
            m.put(i, status);
        }
        return m;
    }

    // ------------------------------------------------------------------------------ one writer

    @Test
    void aSecondRunIsRefusedAtOnceWhileStatusListAndExportWork() throws IOException {
        Path items = items("first.txt", 4);
        Path marker = work.resolve("second-ran");
        Files.writeString(work.resolve("second.txt"), marker + "\n");
        try (BulwarkProcess runner = bulwark().start("run", "--home", home.toString(), "--items", items.toString(),
                "--concurrency", "2", "--quiet", "--", "sh", "-c", GATED, "sh")) {
            UUID job = runner.awaitJobId();
            awaitStarts(2, runner);

            BulwarkProcess.Result second = cli("run", "--home", home.toString(), "--items", "second.txt", "--", "touch");
            assertThat(second.exitCode()).as("exit code of the second writer\n%s", second).isEqualTo(5);
            assertThat(second.stderr()).as("names the home").contains(home.toAbsolutePath().toString()).contains("in use");
            assertThat(runner.isAlive()).as("the second run did not wait for the first to end").isTrue();
            assertThat(marker).as("the second run's command").doesNotExist();

            JsonNode st = status(job);
            assertThat(st.get("status").asText()).isEqualTo("RUNNING");
            assertThat(st.get("counts").get("running").asLong()).isEqualTo(2);
            assertThat(st.get("counts").get("pending").asLong()).isEqualTo(2);

            JsonNode list = cli("list", "--home", home.toString(), "--json").expectExit(0).json();
            assertThat(list).as("jobs: the refused run recorded nothing").hasSize(1);
            assertThat(list.get(0).get("id").asText()).isEqualTo(job.toString());

            String csv = cli("export", job.toString(), "--home", home.toString(), "--format", "csv").expectExit(0).out();
            assertThat(csv.lines().toList()).as("CSV export while the job runs").hasSize(5)
                    .first().asString().startsWith("seq,key,status");

            Files.createFile(gate);
            assertThat(runner.awaitExit(LONG)).as("runner, once the gate opened (0: COMPLETED)\n%s", runner.describe())
                    .isZero();
        }
    }

    // ------------------------------------------------------------------------------ cancel, pause, SIGTERM

    @Test
    void cancelFromAnotherProcessStopsTheRunnerAndSkipsTheRest() throws IOException {
        Path items = items("items.txt", 6);
        try (BulwarkProcess runner = bulwark().start("run", "--home", home.toString(), "--items", items.toString(),
                "--concurrency", "2", "--quiet", "--", "sh", "-c", GATED, "sh")) {
            UUID job = runner.awaitJobId();
            awaitStarts(2, runner);
            List<ProcessHandle> commands = runner.descendants();
            assertThat(commands).as("the running commands").isNotEmpty();

            BulwarkProcess.Result cancel = cli("cancel", job.toString(), "--home", home.toString(), "--wait", "120s");
            assertThat(cancel.exitCode()).as("cancel\n%s", cancel).isZero();
            assertThat(cancel.out()).contains("CANCELLED");
            assertThat(runner.awaitExit(LONG)).as("runner exit code\n%s", runner.describe()).isEqualTo(3);
            assertThat(runner.stderr()).as("stopping attempts is not an error").doesNotContain("Exception");
            BulwarkProcess.awaitGone(commands, LONG); // the running commands were stopped, not left behind

            JsonNode st = status(job);
            assertThat(st.get("status").asText()).isEqualTo("CANCELLED");
            assertThat(st.get("counts").get("skipped").asLong()).isEqualTo(6);
            assertThat(exportedStatuses(job)).isEqualTo(all(6, "SKIPPED"));
            assertThat(starts()).as("nothing started after the cancel").hasSize(2);
        }
    }

    @Test
    void aBreakerResetFromAnotherProcessLetsTheWaitingItemsRunAtOnce() throws IOException {
        Path items = items("items.txt", 4);
        try (BulwarkProcess runner = bulwark().start("run", "--home", home.toString(), "--items", items.toString(),
                "--retries", "0", "--breaker", "consecutive=1", "--breaker-open", "1h", "--quiet", "--",
                "sh", "-c", "echo \"$1\" >> \"$RAN\"; [ \"$1\" != item-1 ]", "sh")) {
            UUID job = runner.awaitJobId();
            BulwarkProcess.await(() -> cli("breaker", "list", "--home", home.toString(), job.toString()).out().contains("OPEN"),
                    LONG, runner::describe);
            assertThat(starts()).as("nothing runs while the breaker is open").containsExactly("item-1");
            assertThat(runner.isAlive()).isTrue();

            BulwarkProcess.Result reset = cli("breaker", "reset", job.toString(), "*", "--home", home.toString(), "--wait", "120s");
            assertThat(reset.exitCode()).as("reset\n%s", reset).isZero();
            assertThat(reset.out()).contains("taken by the process that runs it");

            assertThat(runner.awaitExit(LONG)).as("runner exit code (1: PARTIAL)\n%s", runner.describe()).isEqualTo(1);
            assertThat(starts()).containsExactly("item-1", "item-2", "item-3", "item-4");
            assertThat(exportedStatuses(job)).containsEntry(1L, "FAILED").containsEntry(4L, "SUCCEEDED");
        }
    }

    @Test
    void pauseFromAnotherProcessThenResumeCompletes() throws IOException {
        Path items = items("items.txt", 4);
        UUID job;
        try (BulwarkProcess runner = bulwark().start("run", "--home", home.toString(), "--items", items.toString(),
                "--concurrency", "2", "--quiet", "--", "sh", "-c", GATED, "sh")) {
            job = runner.awaitJobId();
            awaitStarts(2, runner);
            BulwarkProcess.Result pause = cli("pause", job.toString(), "--home", home.toString(), "--wait", "120s");
            assertThat(pause.exitCode()).as("pause\n%s", pause).isZero();
            assertThat(pause.out()).contains("PAUSED");
            assertThat(runner.awaitExit(LONG)).as("runner exit code\n%s", runner.describe()).isEqualTo(4);
            assertThat(runner.stderr()).contains("bulwark resume " + job)
                    .as("stopping attempts is not an error").doesNotContain("Exception");
        }
        JsonNode st = status(job);
        assertThat(st.get("status").asText()).isEqualTo("PAUSED");
        assertThat(st.get("counts").get("pending").asLong()).isEqualTo(4);
        assertThat(st.get("counts").get("interruptions").asLong()).isEqualTo(2);

        Files.createFile(gate);
        BulwarkProcess.Result resume = cli("resume", job.toString(), "--home", home.toString(), "--quiet");
        assertThat(resume.exitCode()).as("resume (0: COMPLETED)\n%s", resume).isZero();
        assertThat(exportedStatuses(job)).isEqualTo(all(4, "SUCCEEDED"));
        assertThat(starts()).as("the two interrupted items ran again with new attempt numbers")
                .containsExactlyInAnyOrder("1 1", "2 1", "1 2", "2 2", "3 1", "4 1");
    }

    @Test
    void sigtermPausesAndResumeLosesNothing() throws IOException {
        Path items = items("items.txt", 6);
        // Items 1 and 2 finish at once; the others wait for the gate.
        String script = "echo \"$BULWARK_ITEM_SEQ $BULWARK_ATTEMPT\" >> \"$RAN\"; if [ \"$BULWARK_ITEM_SEQ\" -gt 2 ]; then "
                + "while [ ! -e \"$GATE\" ]; do sleep 0.05; done; fi";
        UUID job;
        try (BulwarkProcess runner = bulwark().start("run", "--home", home.toString(), "--items", items.toString(),
                "--concurrency", "2", "--quiet", "--", "sh", "-c", script, "sh")) {
            job = runner.awaitJobId();
            UUID id = job;
            BulwarkProcess.await(() -> LedgerFile.finalOutcomes(home, id) >= 2 && starts().size() >= 4, LONG,
                    () -> "two outcomes and four starts; starts " + starts() + "\n" + runner.describe());
            runner.sigterm();
            assertThat(runner.awaitExit(LONG)).as("exit code after SIGTERM\n%s", runner.describe()).isEqualTo(4);
            assertThat(runner.stderr()).contains("SIGTERM").contains("bulwark resume " + job)
                    .as("stopping attempts is not an error").doesNotContain("Exception");
        }
        JsonNode st = status(job);
        assertThat(st.get("status").asText()).isEqualTo("PAUSED");
        assertThat(st.get("counts").get("succeeded").asLong()).isEqualTo(2);
        assertThat(st.get("counts").get("pending").asLong()).isEqualTo(4);
        assertThat(st.get("counts").get("interruptions").asLong()).isEqualTo(2);

        Files.createFile(gate);
        BulwarkProcess.Result resume = cli("resume", job.toString(), "--home", home.toString(), "--quiet");
        assertThat(resume.exitCode()).as("resume\n%s", resume).isZero();
        assertThat(exportedStatuses(job)).isEqualTo(all(6, "SUCCEEDED"));
        assertThat(starts()).as("items 1 and 2 had outcomes and did not run again")
                .containsExactlyInAnyOrder("1 1", "2 1", "3 1", "4 1", "3 2", "4 2", "5 1", "6 1");
    }

    // ------------------------------------------------------------------------------ unusable homes and inputs

    @Test
    void aReadOnlyHomeIsRefusedNamingIt() throws IOException {
        Path readOnly = Files.createDirectories(work.resolve("read-only-home"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-x------"));
        try {
            Path probe = readOnly.resolve("probe");
            boolean enforced;
            try {
                Files.createFile(probe);
                Files.delete(probe);
                enforced = false;
            } catch (java.nio.file.AccessDeniedException e) {
                enforced = true;
            }
            assumeTrue(enforced, "file permissions are not enforced for this user (the tests run as root, or with "
                    + "CAP_DAC_OVERRIDE): a chmod 500 home is writable here, so a read-only home cannot be simulated");
            Path items = items("items.txt", 1);
            BulwarkProcess.Result run = cli("run", "--home", readOnly.toString(), "--items", items.toString(), "--",
                    "touch", work.resolve("RAN").toString());
            // ExitCodes: 5 = "the ledger cannot be read or written".
            assertThat(run.exitCode()).as("exit code\n%s", run).isEqualTo(5);
            assertThat(run.stderr()).contains(readOnly.toAbsolutePath().toString()).contains("permission denied");
            assertThat(work.resolve("RAN")).doesNotExist();
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void badInputIsRefusedBeforeAnythingRunsAndNothingRecordedChanges() throws Exception {
        // A job already in the home, which no refused command may touch.
        Path one = items("one.txt", 1);
        BulwarkProcess.Result first = cli("run", "--home", home.toString(), "--items", one.toString(), "--quiet", "--", "true")
                .expectExit(0);
        JsonNode listBefore = cli("list", "--home", home.toString(), "--json").expectExit(0).json();

        Files.createDirectories(work.resolve("empty-dir"));
        Files.writeString(work.resolve("empty.txt"), "");
        Files.writeString(work.resolve("bad.jsonl"), "{\"key\": \"a\"}\n{\"key\": oops}\n");
        String ran = work.resolve("RAN").toString();
        String items = one.toString();
        record Case(List<String> args, List<String> mentions) {
        }
        List<Case> cases = List.of(
                new Case(List.of("--input", "missing-dir"), List.of("missing-dir", "no such directory")),
                new Case(List.of("--input", "empty-dir"), List.of("empty-dir", "no items")),
                new Case(List.of("--items", "empty.txt"), List.of("empty.txt", "no items")),
                new Case(List.of("--items-jsonl", "bad.jsonl"), List.of("bad.jsonl", "line 2")),
                new Case(List.of("--items", items, "--concurrency", "abc"), List.of("--concurrency", "abc")),
                new Case(List.of("--items", items, "--timeout", "5x"), List.of("--timeout", "5x")),
                new Case(List.of("--items", items, "--backoff", "100"), List.of("--backoff", "100")),
                new Case(List.of("--items", items, "--max-failures", "10q"), List.of("max-failures", "10q")),
                new Case(List.of("--items", items, "--input", "empty-dir"), List.of("--input", "--items")));

        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<BulwarkProcess.Result>> results = new ArrayList<>();
            for (Case c : cases) {
                List<String> args = new ArrayList<>(List.of("run", "--home", home.toString()));
                args.addAll(c.args());
                args.addAll(List.of("--", "touch", ran));
                results.add(pool.submit(() -> cli(args.toArray(String[]::new))));
            }
            SoftAssertions soft = new SoftAssertions();
            for (int i = 0; i < cases.size(); i++) {
                BulwarkProcess.Result r = results.get(i).get();
                soft.assertThat(r.exitCode()).as("exit code for %s\n%s", cases.get(i).args(), r).isEqualTo(64);
                for (String mention : cases.get(i).mentions()) {
                    soft.assertThat(r.stderr()).as("message for %s names %s", cases.get(i).args(), mention).contains(mention);
                }
                soft.assertThat(r.stderr()).as("no stack trace for %s", cases.get(i).args()).doesNotContain("\tat ");
            }
            soft.assertAll();
        } finally {
            pool.shutdownNow();
        }
        assertThat(work.resolve("RAN")).as("no refused command ran").doesNotExist();
        // Compared as JSON: the order of an object's fields is not part of the output.
        assertThat(cli("list", "--home", home.toString(), "--json").expectExit(0).json())
                .as("the recorded job, its status and counts").isEqualTo(listBefore);
        assertThat(first.stderr()).contains("COMPLETED");
    }

    // ------------------------------------------------------------------------------ full disk

    /**
     * Not a full disk: an unprivileged test cannot make a small file system. What it can do is a
     * file-size limit ({@code ulimit -f}, RLIMIT_FSIZE) on the bulwark process: the JVM ignores
     * SIGXFSZ, so a write that would grow a file past the limit fails with EFBIG, and SQLite reports
     * it as a write error, as it would a full disk (ENOSPC). The ledger's write-ahead log is the
     * file that grows while a job runs, so the ledger is what fails. The check: the process stops
     * with "ledger unavailable" (or pauses), naming the ledger; what was committed stays
     * readable; and a resume without the limit finishes every item, running again only those
     * without a recorded outcome.
     */
    @Test
    void aLedgerThatCannotGrowStopsTheRunAndResumeFinishesWithNothingLost() throws IOException {
        int n = 300;
        Path items = items("items.txt", n);
        long unit = ulimitUnitBytes();
        long limitBlocks = (512 * 1024) / unit; // the ledger fails after a few dozen outcomes
        Path nativeLibrary = sqliteNativeLibrary();
        Path side0 = work.resolve("side-0.log");
        Path side1 = work.resolve("side-1.log");
        String script = "echo \"$BULWARK_ITEM_SEQ\" >> \"$SIDE_LOG\"";
        BulwarkProcess.Result limited = bulwark().env("SIDE_LOG", side0.toString())
                .throughShell("ulimit -f " + limitBlocks + " && exec \"$@\"")
                // The driver's native library, extracted by the test: extracting it (1.1 MB) would hit the limit first.
                .jvmOption("-Dorg.sqlite.lib.path=" + nativeLibrary.getParent())
                .jvmOption("-Dorg.sqlite.lib.name=" + nativeLibrary.getFileName())
                .run("run", "--home", home.toString(), "--items", items.toString(), "--concurrency", "4", "--quiet",
                        "--", "sh", "-c", script, "sh");
        assumeTrue(limited.exitCode() != 0, "the file-size limit of " + limitBlocks * unit + " bytes never stopped "
                + "a ledger write on this system\n" + limited);
        assertThat(limited.exitCode()).as("exit code when the ledger cannot be written\n%s", limited).isIn(4, 5);
        assertThat(limited.stderr()).contains("ledger");
        if (limited.exitCode() == 5) {
            // Not necessarily the last line: a background thread may still log after it.
            assertThat(limited.stderr().lines().filter(l -> l.startsWith("bulwark: ")))
                    .as("a message naming the ledger file").anyMatch(l -> l.contains(home.resolve("ledger.db").toString()));
        }
        UUID job = UUID.fromString(limited.stderr().lines().filter(l -> l.startsWith("bulwark: job ")).findFirst()
                .orElseThrow(() -> new AssertionError("no job line\n" + limited)).substring(13, 49));

        // What was committed is readable, and tells which items are done.
        JsonNode st = status(job);
        assertThat(st.get("status").asText()).isIn("RUNNING", "PAUSED");
        Map<Long, String> before = exportedStatuses(job);
        assertThat(before).hasSize(n);
        List<Long> done = before.entrySet().stream().filter(e -> e.getValue().equals("SUCCEEDED")).map(Map.Entry::getKey)
                .toList();
        assertThat(done.size()).as("outcomes recorded before the ledger failed").isLessThan(n);

        BulwarkProcess.Result resume = bulwark().env("SIDE_LOG", side1.toString())
                .run("resume", job.toString(), "--home", home.toString(), "--quiet");
        assertThat(resume.exitCode()).as("resume without the limit\n%s", resume).isZero();
        assertThat(exportedStatuses(job)).isEqualTo(all(n, "SUCCEEDED"));
        List<String> again = Files.exists(side1) ? Files.readAllLines(side1) : List.of();
        assertThat(again.stream().map(Long::parseLong).filter(done::contains).toList())
                .as("items with a recorded outcome that ran again").isEmpty();
        List<Long> ranAtAll = new ArrayList<>(again.stream().map(Long::parseLong).toList());
        ranAtAll.addAll(Files.readAllLines(side0).stream().map(Long::parseLong).toList());
        assertThat(ranAtAll.stream().collect(Collectors.toSet())).as("every item ran").hasSize(n);
    }

    /** The SQLite driver's native library for this platform, copied out of the driver's jar. */
    private Path sqliteNativeLibrary() throws IOException {
        String name = System.mapLibraryName("sqlitejdbc");
        String resource = "/org/sqlite/native/" + org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS() + "/" + name;
        try (java.io.InputStream in = org.sqlite.SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            assumeTrue(in != null, "the SQLite driver has no native library " + resource + " for this platform");
            Path target = Files.createDirectories(work.resolve("sqlite-native")).resolve(name);
            Files.copy(in, target);
            return target;
        }
    }

    /** Bytes per block of the shell's {@code ulimit -f} (512 for dash and POSIX, 1024 for bash). */
    private long ulimitUnitBytes() throws IOException {
        Path probe = work.resolve("ulimit-probe");
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", "ulimit -f 4 && head -c 8192 /dev/zero > \"$0\"", probe.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            BulwarkProcess.await(() -> !p.isAlive(), LONG, () -> "the ulimit probe did not end");
        } finally {
            if (!Files.exists(probe)) {
                throw new AssertionError("the ulimit probe wrote nothing");
            }
        }
        long size = Files.size(probe);
        assumeTrue(size == 2048 || size == 4096, "cannot tell the unit of ulimit -f (probe wrote " + size + " bytes)");
        return size / 4;
    }
}
