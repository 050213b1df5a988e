package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.cli.it.LedgerFile.AttemptRow;
import dev.bulwark.cli.it.LedgerFile.ItemRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Terminal signals sent to the whole process group of a real {@code bulwark run}, as a terminal's
 * Ctrl-C, {@code kill -- -PGID}, {@code timeout} or a service manager send them, at a random moment
 * of the batch: the job pauses (exit 4), the attempts that were running end INTERRUPTED (no item
 * FAILED, no retry used, even with {@code --retries 0}), stderr says so in one line and shows no
 * stack trace, and {@code resume} finishes the batch with exactly one success per item.
 *
 * <p>The run is started through {@code setsid}, so that it leads a process group (and session) of
 * its own, as a shell's foreground job does; the signals go to that group with {@code kill}. The
 * random moment (after a random number of recorded outcomes, plus a random delay) is printed with
 * its seed; {@code -Dbulwark.it.seed=N} repeats the choices.
 */
@EnabledOnOs(OS.LINUX)
class SignalsIT {
    private static final int ITEMS = 24;
    private static final Duration LONG = Duration.ofMinutes(3);
    private static final int PAUSED = 4;
    /** Longer than the CLI's SignalPresses.SAME_PRESS (500 ms), within which signals are one press. */
    private static final Duration SECOND_PRESS_AFTER = Duration.ofMillis(800);

    @TempDir
    Path work;

    private Path home;
    private Path items;

    private BulwarkProcess startRun() throws IOException {
        home = work.resolve("home");
        items = Files.write(work.resolve("items.txt"), IntStream.rangeClosed(1, ITEMS).mapToObj(i -> "item-" + i).toList());
        // each command takes 0.2 to 0.5 s, so that at any moment four of them run
        return BulwarkProcess.in(work).throughShell("exec setsid \"$@\"")
                .start("run", "--home", home.toString(), "--items", items.toString(), "--concurrency", "4", "--retries", "0",
                        "--quiet", "--", "sh", "-c", "sleep 0.$((BULWARK_ITEM_SEQ % 4 + 2))", "sh");
    }

    /** {@code kill -s SIGNAL -- -GROUP}: the signal to every process of the group, as a terminal sends it. */
    private static void signalGroup(String signal, long group) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("sh", "-c", "kill -s \"$1\" -- -\"$2\"", "sh", signal, Long.toString(group))
                .inheritIO().start();
        assertThat(kill.waitFor()).as("kill -s %s -- -%d", signal, group).isZero();
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"INT", "TERM", "HUP"})
    void aSignalToTheWholeGroupPausesTheJobAndResumeFinishesItWithoutRetries(String signal) throws Exception {
        long seed = Long.getLong("bulwark.it.seed", new SecureRandom().nextLong());
        Random random = new Random(seed);
        int after = 1 + random.nextInt(ITEMS / 2);
        int delayMs = random.nextInt(150);
        System.out.println("SIG" + signal + ": seed " + seed + ", after " + after + " outcomes + " + delayMs + " ms");

        UUID job;
        try (BulwarkProcess run = startRun()) {
            job = run.awaitJobId();
            BulwarkProcess.await(() -> !run.isAlive() || LedgerFile.finalOutcomes(home, job) >= after, LONG, run::describe);
            Thread.sleep(delayMs); // the random moment itself, not a wait for something
            signalGroup(signal, run.pid());

            int exit = run.awaitExit(LONG);
            assertThat(exit).as(run.describe()).isEqualTo(PAUSED);
            assertOneSignalLineAndNoStackTrace(run, signal);
        }
        assertPausedWithInterruptedAttemptsOnly(job);
        resumeAndCheckOneSuccessEach(job);
    }

    /**
     * {@code timeout} sends its signal to the command, then to the command's whole group: Bulwark
     * gets it twice within a moment. That is one request to pause, not a second Ctrl-C.
     */
    @Test
    void aSignalRepeatedAtOnceAsTimeoutSendsItIsOnePressNotASecond() throws Exception {
        UUID job;
        try (BulwarkProcess run = startRun()) {
            job = run.awaitJobId();
            BulwarkProcess.await(() -> !run.isAlive() || LedgerFile.finalOutcomes(home, job) >= 2, LONG, run::describe);
            Process timeoutLike = new ProcessBuilder("sh", "-c", "kill -s TERM \"$1\"; kill -s TERM -- -\"$1\"", "sh",
                    Long.toString(run.pid())).inheritIO().start();
            assertThat(timeoutLike.waitFor()).isZero();

            assertThat(run.awaitExit(LONG)).as(run.describe()).isEqualTo(PAUSED);
            assertOneSignalLineAndNoStackTrace(run, "TERM");
            assertThat(run.stderr()).doesNotContain("second SIG");
        }
        assertPausedWithInterruptedAttemptsOnly(job);
        resumeAndCheckOneSuccessEach(job);
    }

    /**
     * A second press (later than {@code SignalPresses.SAME_PRESS}) exits at once with 130, and kills
     * the commands, which run in groups of their own and would otherwise outlive Bulwark. Here they
     * ignore TERM, so the pause of the first press is still waiting for them.
     */
    @Test
    void aSecondPressExitsAtOnceAndKillsTheCommandsItsGroupsHold() throws Exception {
        home = work.resolve("home");
        Path pids = work.resolve("pids");
        items = Files.write(work.resolve("items.txt"), List.of("a", "b"));
        try (BulwarkProcess run = BulwarkProcess.in(work).throughShell("exec setsid \"$@\"")
                .start("run", "--home", home.toString(), "--items", items.toString(), "--concurrency", "2",
                        "--kill-grace", "2m", "--", "sh", "-c", "trap '' TERM; echo $$ >> \"$1\"; exec sleep 120", "sh",
                        pids.toString())) {
            UUID job = run.awaitJobId();
            BulwarkProcess.await(() -> lines(pids).size() == 2, LONG, run::describe);
            signalGroup("INT", run.pid());
            run.awaitStderr(l -> l.startsWith("bulwark: SIGINT: pausing job"), LONG);
            Thread.sleep(SECOND_PRESS_AFTER.toMillis()); // a second press is a later one, by definition
            signalGroup("INT", run.pid());

            assertThat(run.awaitExit(LONG)).as(run.describe()).isEqualTo(130);
            assertThat(run.stderr()).contains("bulwark: second SIGINT: exiting now").doesNotContain("Exception");
            List<ProcessHandle> commands = lines(pids).stream().map(Long::parseLong).map(ProcessHandle::of)
                    .flatMap(java.util.Optional::stream).toList();
            BulwarkProcess.awaitGone(commands, LONG);
            assertThat(LedgerFile.jobStatus(home, job)).contains("RUNNING");
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertOneSignalLineAndNoStackTrace(BulwarkProcess run, String signal) {
        List<String> lines = run.stderrLines();
        assertThat(lines.stream().filter(l -> l.startsWith("bulwark: SIG")).toList()).as(run.describe())
                .singleElement().asString().startsWith("bulwark: SIG" + signal + ": pausing job");
        assertThat(lines).as(run.describe())
                .noneMatch(l -> l.contains("Exception") || l.strip().startsWith("at ") || l.contains("WARN"));
    }

    private void assertPausedWithInterruptedAttemptsOnly(UUID job) {
        assertThat(LedgerFile.jobStatus(home, job)).contains("PAUSED");
        List<ItemRow> rows = LedgerFile.items(home, job);
        assertThat(rows).hasSize(ITEMS).allSatisfy(r -> assertThat(r.status()).isIn("SUCCEEDED", "PENDING"));
        List<AttemptRow> attempts = LedgerFile.attempts(home, job);
        assertThat(attempts).as("attempts after the pause").allSatisfy(a -> assertThat(a.outcome()).isIn("SUCCEEDED", "INTERRUPTED"));
        assertThat(attempts).as("the attempts running at the signal").anyMatch(a -> a.outcome().equals("INTERRUPTED"));
    }

    private void resumeAndCheckOneSuccessEach(UUID job) {
        BulwarkProcess.Result resumed = BulwarkProcess.run(work, "resume", job.toString(), "--home", home.toString(), "--quiet");
        resumed.expectExit(0);
        assertThat(resumed.stderr()).contains("succeeded " + ITEMS + ", failed 0, skipped 0").contains("; 0 retries");
        Map<Long, Long> successes = LedgerFile.attempts(home, job).stream().filter(a -> a.outcome().equals("SUCCEEDED"))
                .collect(Collectors.groupingBy(AttemptRow::seq, Collectors.counting()));
        assertThat(successes).hasSize(ITEMS).allSatisfy((seq, count) -> assertThat(count).as("successes of #%d", seq).isEqualTo(1));
        assertThat(LedgerFile.attempts(home, job)).noneMatch(a -> a.outcome().equals("FAILED"));
        assertThat(LedgerFile.items(home, job)).extracting(ItemRow::status).containsOnly("SUCCEEDED");
    }
}
