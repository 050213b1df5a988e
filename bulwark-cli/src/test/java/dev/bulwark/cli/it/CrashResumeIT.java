package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.cli.it.LedgerFile.AttemptRow;
import dev.bulwark.cli.it.LedgerFile.ItemRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real batch, its process killed with SIGKILL at random moments and resumed, again and again:
 * the ledger must come out with exactly one final outcome per item, and nothing that had a
 * recorded outcome may run again.
 *
 * <h2>The batch</h2>
 * {@code N} items ({@code --items FILE}), concurrency 4, retries 2, permanent exit 3. The command
 * ({@code sh -c SCRIPT}, no {@code --shell}) appends {@code "S seq attempt"} to a side log when it
 * starts and {@code "E seq attempt exit"} when it ends (one short {@code >>} line each: O_APPEND
 * writes of a line are atomic), sleeping 10 to 40 ms in between. Items whose seq is a multiple of 7
 * fail transiently (exit 75) on attempt 1 only; two items always fail permanently (exit 3). The
 * side log's path comes from the environment of the bulwark process, so every process of the loop
 * (the run, then each resume) has its own: the generation that ran an execution is known.
 *
 * <h2>The kills</h2>
 * Each process is killed after a random number of new outcomes plus a random delay (the first
 * process always after at least one recorded outcome), or, for resumes, at a random moment of its
 * start or just after it announced the resume (while it recovers the interrupted attempts). The
 * seed is printed, and {@code -Dbulwark.it.seed=N} repeats a run's choices (not its timing).
 * {@code -Dbulwark.it.crashLoops=K} sets the number of kills (5 by default, 50 with {@code -Pcrash}).
 *
 * <h2>Orphans, and the invariant they leave</h2>
 * Only the JVM is killed, as in a real crash: the commands it started go on as orphans and may
 * finish after it died. Their outcome is never recorded (nobody is left to record it); the next
 * resume records their attempt as interrupted and runs the item again with a new attempt number.
 * So an orphan is at-least-once execution, never a second outcome. To make the side-log counts
 * exact, the test notes the orphans (the JVM is frozen with SIGSTOP, its descendants listed, then
 * SIGKILL) and waits for them to end before it reads the ledger. The invariant checked is then:
 * an item that had a final outcome in the ledger after a crash has no execution afterwards, in
 * any later process. Every execution is an attempt row of the ledger with its attempt number:
 * either with the outcome its exit code says, or INTERRUPTED when the process died before
 * the outcome was committed; attempt rows without an execution (claimed, then killed before the
 * command started) are INTERRUPTED.
 */
class CrashResumeIT {
    private static final int CONCURRENCY = 4;
    private static final int RETRIES = 2;
    private static final int KILLED_BY_SIGKILL = 128 + 9;
    private static final Duration LONG = Duration.ofMinutes(3);

    @TempDir
    Path work;

    private record Execution(int generation, long seq, int attempt, Integer exit) {
    }

    /** What the ledger held after a crash, and how often each item had run by then. */
    private record Snapshot(int generation, Map<Long, String> statusBySeq, Map<Long, Long> executionsBySeq) {
        Set<Long> finalSeqs() {
            return statusBySeq.entrySet().stream().filter(e -> isFinal(e.getValue())).map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
        }
    }

    @Test
    void killedAndResumedAgainAndAgainEveryItemEndsOnceAndNothingFinishedRunsAgain() throws Exception {
        int kills = Integer.getInteger("bulwark.it.crashLoops", 5);
        int n = Math.max(200, 20 * kills);
        long seed = Long.getLong("bulwark.it.seed", new SecureRandom().nextLong());
        String context = "CrashResumeIT seed " + seed + " (repeat with -Dbulwark.it.seed=" + seed + "), "
                + kills + " kills, " + n + " items";
        System.out.println(context);
        try {
            scenario(new Random(seed), kills, n);
        } catch (AssertionError e) {
            throw new AssertionError(context + ": " + e.getMessage(), e);
        }
    }

    private void scenario(Random random, int kills, int n) throws IOException {
        Path home = work.resolve("home");
        Path items = work.resolve("items.txt");
        Files.write(items, IntStream.rangeClosed(1, n).mapToObj(i -> String.format("item-%05d", i)).toList());
        Set<Long> permanent = Set.of(17L, (long) n - 77);
        String script = """
                s=$BULWARK_ITEM_SEQ; a=$BULWARK_ATTEMPT
                echo "S $s $a" >> "$SIDE_LOG"
                sleep 0.0$((s %% 4 + 1))
                r=0
                case $s in
                  %s) r=3 ;;
                  *) if [ $((s %% 7)) -eq 0 ] && [ "$a" -eq 1 ]; then r=75; fi ;;
                esac
                echo "E $s $a $r" >> "$SIDE_LOG"
                exit $r
                """.formatted(permanent.stream().sorted().map(String::valueOf).collect(Collectors.joining("|")));

        List<Snapshot> snapshots = new ArrayList<>();
        UUID job = null;
        int generation = 0;
        int crashed = 0;
        int lastExit;
        BulwarkProcess last;
        while (true) {
            boolean killThisOne = generation < kills;
            BulwarkProcess.Builder builder = BulwarkProcess.in(work)
                    .env("SIDE_LOG", work.resolve("side-" + generation + ".log").toString());
            long before = job == null ? 0 : LedgerFile.finalOutcomes(home, job);
            BulwarkProcess p = generation == 0
                    ? builder.start("run", "--home", home.toString(), "--items", items.toString(),
                            "--concurrency", String.valueOf(CONCURRENCY), "--retries", String.valueOf(RETRIES),
                            "--backoff", "100ms", "--backoff-max", "200ms", "--permanent-exit", "3", "--quiet",
                            "--", "sh", "-c", script, "sh")
                    : builder.start("resume", job.toString(), "--home", home.toString(), "--quiet");
            try (p) {
                if (generation == 0) {
                    job = p.awaitJobId();
                }
                if (!killThisOne) {
                    lastExit = p.awaitExit(LONG);
                    last = p;
                    break;
                }
                killAtRandomMoment(p, random, home, job, generation, before, Math.max(2, n / (kills + 1)), n);
                boolean wasAlive = p.isAlive();
                List<ProcessHandle> orphans = p.crash();
                int exit = p.awaitExit(LONG);
                BulwarkProcess.awaitGone(orphans, LONG);
                if (wasAlive && exit == KILLED_BY_SIGKILL) {
                    crashed++;
                } else {
                    // It finished before the kill landed: that is the end of the loop.
                    assertThat(exit).as("exit code of a process that finished by itself\n" + p.describe()).isEqualTo(1);
                    lastExit = exit;
                    last = p;
                    break;
                }
            }
            Snapshot snapshot = snapshot(home, job, generation, n);
            checkAfterCrash(snapshot, snapshots, n);
            snapshots.add(snapshot);
            System.out.println("generation " + generation + ": killed with " + snapshot.finalSeqs().size() + " of " + n
                    + " outcomes recorded");
            generation++;
            if (LedgerFile.jobStatus(home, job).filter(CrashResumeIT::isJobFinal).isPresent()) {
                // killed after the job ended: nothing left to resume
                lastExit = 1;
                last = null;
                break;
            }
        }
        System.out.println("crashes: " + crashed + " of " + kills + " planned; last process exit " + lastExit);
        if (last != null) {
            assertThat(lastExit).as("the last process runs the job to its end (PARTIAL: two permanent failures)\n"
                    + last.describe()).isEqualTo(1);
        }
        assertThat(crashed).as("crashes that happened before the job ended").isGreaterThanOrEqualTo(1);
        checkFinal(home, job, n, permanent, snapshots, crashed);
    }

    private static void killAtRandomMoment(BulwarkProcess p, Random random, Path home, UUID job, int generation,
                                           long before, int maxStep, int n) {
        int moment = generation == 0 ? 99 : random.nextInt(100);
        if (moment < 15) {
            pause(random.nextInt(800)); // anywhere in the start: JVM, lock, ledger open
            return;
        }
        if (moment < 35) {
            p.awaitStderr(l -> l.startsWith("bulwark: resuming job"), LONG);
            pause(random.nextInt(60)); // while it records the interrupted attempts and claims again
            return;
        }
        long target = Math.min(n, before + 1 + random.nextInt(maxStep));
        BulwarkProcess.await(() -> !p.isAlive() || LedgerFile.finalOutcomes(home, job) >= target, LONG,
                () -> "the ledger shows " + LedgerFile.finalOutcomes(home, job) + " outcomes, waiting for " + target
                        + "\n" + p.describe());
        pause(random.nextInt(120));
    }

    /**
     * A run killed while it still streams its items into the ledger (before it printed the job
     * line) must not leave a job that {@code resume} runs as if it were the whole input: that
     * would report COMPLETED for a batch most of which never ran. Either no job is left, or the
     * job left behind holds every item, or resume refuses it and runs nothing.
     */
    @Test
    void aRunKilledWhileSubmittingLeavesNoJobThatResumesAsIfComplete() throws IOException {
        int n = 400_000;
        Path home = work.resolve("home");
        Path items = work.resolve("items.txt");
        StringBuilder text = new StringBuilder(n * 8);
        for (int i = 1; i <= n; i++) {
            text.append(i).append('\n');
        }
        Files.writeString(items, text);
        Path side = work.resolve("side.log");
        try (BulwarkProcess run = BulwarkProcess.in(work).env("SIDE_LOG", side.toString()).start("run", "--home",
                home.toString(), "--items", items.toString(), "--quiet", "--", "sh", "-c",
                "echo \"$BULWARK_ITEM_SEQ\" >> \"$SIDE_LOG\"", "sh")) {
            BulwarkProcess.await(() -> !run.isAlive() || LedgerFile.itemsOfAnyJob(home) > 0, LONG,
                    () -> "items in the ledger\n" + run.describe());
            run.crash();
            boolean submitted = run.stderrLines().stream().anyMatch(l -> l.startsWith("bulwark: job "));
            org.junit.jupiter.api.Assumptions.assumeFalse(submitted, "the submission ended before the kill");
        }
        JsonNode jobs = BulwarkProcess.run(work, "list", "--home", home.toString(), "--json").json();
        for (JsonNode job : jobs) {
            if (job.get("total").asLong() == n) {
                continue;
            }
            try (BulwarkProcess resume = BulwarkProcess.in(work).env("SIDE_LOG", side.toString())
                    .start("resume", job.get("id").asText(), "--home", home.toString(), "--quiet")) {
                // Wait for either: the refusal (exit), or the first item of the half job running.
                BulwarkProcess.await(() -> !resume.isAlive() || Files.exists(side), LONG, resume::describe);
                boolean ran = Files.exists(side);
                resume.crash();
                assertThat(ran).as("an item of a job with %s of %d items ran on resume\n%s", job.get("total"), n,
                        resume.describe()).isFalse();
                assertThat(resume.awaitExit(LONG)).as("resume of a job with %s of %d items\n%s", job.get("total"), n,
                        resume.describe()).isEqualTo(64);
                assertThat(resume.stderr()).as("the refusal names the job").contains(job.get("id").asText());
            }
        }
    }

    /** A deliberate random delay before a kill (the moment is the point), not a wait for something. */
    private static void pause(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Snapshot snapshot(Path home, UUID job, int generation, int n) throws IOException {
        BulwarkProcess.Result export = BulwarkProcess.run(work, "export", job.toString(), "--home", home.toString(),
                "--format", "jsonl").expectExit(0);
        Map<Long, String> status = statusBySeq(export, n);
        Map<Long, Long> counts = executions().stream()
                .collect(Collectors.groupingBy(Execution::seq, TreeMap::new, Collectors.counting()));
        return new Snapshot(generation, status, counts);
    }

    private static Map<Long, String> statusBySeq(BulwarkProcess.Result export, int n) {
        Map<Long, String> status = new TreeMap<>();
        for (JsonNode row : export.jsonLines()) {
            String previous = status.put(row.get("seq").asLong(), row.get("status").asText());
            assertThat(previous).as("seq %s exported twice", row.get("seq")).isNull();
        }
        assertThat(status.keySet()).as("every item exported exactly once")
                .containsExactlyElementsOf(LongStreamRange.of(1, n));
        return status;
    }

    private static void checkAfterCrash(Snapshot now, List<Snapshot> earlier, int n) {
        assertThat(now.statusBySeq().values()).as("statuses after crash %d", now.generation())
                .allMatch(s -> Set.of("PENDING", "RUNNING", "RETRY_WAIT", "SUCCEEDED", "FAILED").contains(s));
        assertThat(now.statusBySeq().values().stream().filter("RUNNING"::equals).count())
                .as("items left RUNNING by crash %d (at most the concurrency)", now.generation())
                .isLessThanOrEqualTo(CONCURRENCY);
        for (Snapshot before : earlier) {
            for (long seq : before.finalSeqs()) {
                assertThat(now.statusBySeq().get(seq)).as("item %d was %s after crash %d", seq,
                        before.statusBySeq().get(seq), before.generation()).isEqualTo(before.statusBySeq().get(seq));
            }
        }
    }

    private void checkFinal(Path home, UUID job, int n, Set<Long> permanent, List<Snapshot> snapshots, int crashed)
            throws IOException {
        // Exactly one final outcome per item, the expected one.
        BulwarkProcess.Result export = BulwarkProcess.run(work, "export", job.toString(), "--home", home.toString(),
                "--format", "jsonl").expectExit(0);
        Map<Long, String> status = statusBySeq(export, n);
        Map<Long, JsonNode> exported = new HashMap<>();
        export.jsonLines().forEach(r -> exported.put(r.get("seq").asLong(), r));
        for (long seq = 1; seq <= n; seq++) {
            assertThat(status.get(seq)).as("final status of item %d", seq)
                    .isEqualTo(permanent.contains(seq) ? "FAILED" : "SUCCEEDED");
        }

        // The counts add up.
        JsonNode st = BulwarkProcess.run(work, "status", job.toString(), "--home", home.toString(), "--json")
                .expectExit(0).json();
        JsonNode counts = st.get("counts");
        assertThat(st.get("status").asText()).isEqualTo("PARTIAL");
        assertThat(counts.get("total").asLong()).isEqualTo(n);
        assertThat(counts.get("succeeded").asLong()).isEqualTo(n - permanent.size());
        assertThat(counts.get("failed").asLong()).isEqualTo(permanent.size());
        for (String zero : List.of("skipped", "pending", "running", "retry_wait")) {
            assertThat(counts.get(zero).asLong()).as(zero).isZero();
        }

        // Only items without a recorded outcome ran again.
        List<Execution> executions = executions();
        Map<Long, Long> finalCounts = executions.stream()
                .collect(Collectors.groupingBy(Execution::seq, TreeMap::new, Collectors.counting()));
        for (Snapshot s : snapshots) {
            for (long seq : s.finalSeqs()) {
                List<Execution> later = executions.stream()
                        .filter(e -> e.seq() == seq && e.generation() > s.generation()).toList();
                assertThat(later).as("executions of item %d, which had the outcome %s after crash %d", seq,
                        s.statusBySeq().get(seq), s.generation()).isEmpty();
                assertThat(finalCounts.get(seq)).as("executions of item %d, final after crash %d", seq, s.generation())
                        .isEqualTo(s.executionsBySeq().get(seq));
            }
        }

        // Every execution is one attempt of the ledger (or an interruption), and the other way round.
        List<AttemptRow> attempts = LedgerFile.attempts(home, job);
        Map<String, AttemptRow> rowByAttempt = new HashMap<>();
        for (AttemptRow a : attempts) {
            rowByAttempt.put(a.seq() + "/" + a.number(), a);
        }
        Map<String, Execution> executionByAttempt = new HashMap<>();
        for (Execution e : executions) {
            Execution twice = executionByAttempt.put(e.seq() + "/" + e.attempt(), e);
            assertThat(twice).as("attempt %d of item %d ran twice: %s and %s", e.attempt(), e.seq(), twice, e).isNull();
            assertThat(e.exit()).as("execution %s never ended (orphans are waited for)", e).isNotNull();
            AttemptRow row = rowByAttempt.get(e.seq() + "/" + e.attempt());
            assertThat(row).as("the ledger has no attempt row for execution %s", e).isNotNull();
            if (row.outcome().equals("INTERRUPTED")) {
                assertThat(e.generation()).as("execution %s recorded as interrupted, but its process was not killed", e)
                        .isLessThan(snapshots.size());
            } else {
                assertThat(row.outcome()).as("outcome of %s", e).isEqualTo(e.exit() == 0 ? "SUCCEEDED" : "FAILED");
                assertThat(row.exitCode()).as("exit code of %s", e).isEqualTo(e.exit());
            }
        }
        for (AttemptRow a : attempts) {
            if (!executionByAttempt.containsKey(a.seq() + "/" + a.number())) {
                assertThat(a.outcome()).as("attempt row %s has no execution", a).isEqualTo("INTERRUPTED");
            }
        }

        // Attempts: numbered 1..last without gaps, within the retry limit, counted as the ledger says.
        long interrupted = attempts.stream().filter(a -> a.outcome().equals("INTERRUPTED")).count();
        long retries = 0;
        for (ItemRow item : LedgerFile.items(home, job)) {
            List<AttemptRow> mine = attempts.stream().filter(a -> a.seq() == item.seq()).toList();
            assertThat(mine.stream().map(AttemptRow::number).toList()).as("attempt numbers of item %d", item.seq())
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, item.lastAttempt()).boxed().toList());
            long counted = mine.stream().filter(a -> !a.outcome().equals("INTERRUPTED")).count();
            assertThat(counted).as("attempts of item %d", item.seq()).isEqualTo(item.attempts())
                    .isLessThanOrEqualTo(RETRIES + 1);
            assertThat((long) item.interruptions()).as("interruptions of item %d", item.seq()).isEqualTo(mine.size() - counted);
            assertThat(exported.get(item.seq()).get("attempts").asLong()).as("exported attempts of item %d", item.seq())
                    .isEqualTo(counted);
            retries += Math.max(0, item.attempts() - 1);
        }
        assertThat(counts.get("interruptions").asLong()).as("interrupted attempts").isEqualTo(interrupted)
                .isLessThanOrEqualTo((long) crashed * CONCURRENCY);
        assertThat(counts.get("retries").asLong()).as("retries").isEqualTo(retries);
        System.out.println("executions " + executions.size() + ", attempt rows " + attempts.size() + ", interrupted "
                + interrupted + ", retries " + retries);
    }

    /** Every execution in every side log, in the order each process wrote them. */
    private List<Execution> executions() throws IOException {
        List<Path> logs;
        try (Stream<Path> files = Files.list(work)) {
            logs = files.filter(f -> f.getFileName().toString().matches("side-\\d+\\.log")).sorted().toList();
        }
        List<Execution> all = new ArrayList<>();
        for (Path log : logs) {
            String name = log.getFileName().toString();
            int generation = Integer.parseInt(name.substring(5, name.length() - 4));
            Map<String, Integer> ends = new HashMap<>();
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (String line : lines) {
                String[] f = line.split(" ");
                assertThat(f).as("side log line '%s' in %s", line, name).hasSize(line.startsWith("E") ? 4 : 3);
                if (f[0].equals("E")) {
                    Integer twice = ends.put(f[1] + "/" + f[2], Integer.parseInt(f[3]));
                    assertThat(twice).as("two ends of attempt %s/%s", f[1], f[2]).isNull();
                }
            }
            for (String line : lines) {
                String[] f = line.split(" ");
                if (f[0].equals("S")) {
                    all.add(new Execution(generation, Long.parseLong(f[1]), Integer.parseInt(f[2]), ends.get(f[1] + "/" + f[2])));
                }
            }
        }
        return all;
    }

    private static boolean isFinal(String itemStatus) {
        return itemStatus.equals("SUCCEEDED") || itemStatus.equals("FAILED") || itemStatus.equals("SKIPPED");
    }

    private static boolean isJobFinal(String jobStatus) {
        return Set.of("COMPLETED", "PARTIAL", "FAILED", "CANCELLED").contains(jobStatus);
    }

    /** 1..n as a list of longs. */
    private static final class LongStreamRange {
        static List<Long> of(long from, long to) {
            return java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
        }
    }
}
