package dev.bulwark.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.StopReason;
import dev.bulwark.exec.internal.ProcessTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@DisabledOnOs(OS.WINDOWS)
class ExecHandlerTest {
    private static final UUID JOB = UUID.fromString("11111111-2222-3333-4444-555555555555");
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static ExecSpec spec(String... command) {
        return ExecSpec.of(List.of(command));
    }

    private static ExecSpec spec(Set<Integer> permanent, Set<Integer> critical, String... command) {
        return new ExecSpec(List.of(command), false, permanent, critical, ExecSpec.DEFAULT_KILL_GRACE, ExecSpec.DEFAULT_OUTPUT_CAP);
    }

    private static ExecSpec shell(String script) {
        return new ExecSpec(List.of(script), true, Set.of(), Set.of(), ExecSpec.DEFAULT_KILL_GRACE, ExecSpec.DEFAULT_OUTPUT_CAP);
    }

    private static AttemptContext ctx(String key, int attempt, Path log) {
        Item item = new Item(JOB, 7, key, null, "host-a", ItemStatus.RUNNING, attempt - 1, 0, attempt, 1L, null,
                Instant.parse("2030-01-02T03:04:05Z"), null, null, null, null, null, null, log == null ? null : log.toString());
        return new AttemptContext(item, attempt, 2, Duration.ofMillis(200), Instant.parse("2030-01-02T03:04:05Z"), log, "worker-1");
    }

    private AttemptResult run(ExecHandler handler, String key, Path log) {
        return handler.handle(ctx(key, 1, log));
    }

    /** The output of the only attempt in {@code log}: between the header line and the trailer. */
    private static String output(Path log) throws IOException {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        int start = text.indexOf('\n') + 1;
        int end = text.lastIndexOf("# exit=");
        return text.substring(start, end);
    }

    private static String lastLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return lines.get(lines.size() - 1);
    }

    // ------------------------------------------------------------------ arguments

    @Test
    void keysArePassedVerbatimAsOneArgument() throws IOException {
        Path pwned = dir.resolve("pwned");
        List<String> keys = List.of("a b  c", "it's \"quoted\"", "$(touch " + pwned + ")", "`touch " + pwned + "`; touch " + pwned,
                "line1\nline2", "-rf", "--version", "ünïcødé 日本語 🚀", "*", "~", " ", "a\tb", "\\n");
        ExecHandler withPlaceholder = new ExecHandler(spec("printf", "%s\\n", "{}"));
        ExecHandler appended = new ExecHandler(spec("printf", "%s\\n"));
        ExecHandler embedded = new ExecHandler(spec("printf", "%s\\n", "<{}>"));
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            Path a = dir.resolve("a" + i + ".log");
            Path b = dir.resolve("b" + i + ".log");
            Path c = dir.resolve("c" + i + ".log");

            assertThat(run(withPlaceholder, key, a).succeeded()).as(key).isTrue();
            assertThat(run(appended, key, b).succeeded()).as(key).isTrue();
            assertThat(run(embedded, key, c).succeeded()).as(key).isTrue();

            assertThat(output(a)).as(key).isEqualTo(key + "\n");
            assertThat(output(b)).as(key).isEqualTo(key + "\n");
            assertThat(output(c)).as(key).isEqualTo("<" + key + ">\n");
        }
        assertThat(pwned).doesNotExist();
        assertThat(Path.of("pwned")).doesNotExist();
    }

    @Test
    void allPlaceholdersInOneCommand() throws IOException {
        Path log = dir.resolve("p.log");
        ExecHandler handler = new ExecHandler(spec("printf", "%s\\n", "{}", "{/}", "{.}", "{/.}", "{//}", "{#}", "{%}",
                "{attempt}", "{job}", "out/{/.}.gz", "{unknown}"));

        AttemptResult result = handler.handle(ctx("in/dir/photo.jpg", 3, log));

        assertThat(result.succeeded()).isTrue();
        assertThat(output(log).split("\n")).containsExactly("in/dir/photo.jpg", "photo.jpg", "in/dir/photo", "photo", "in/dir",
                "7", "2", "3", JOB.toString(), "out/photo.gz", "{unknown}");
    }

    @Test
    void environmentVariables() throws IOException {
        Path log = dir.resolve("env.log");
        ExecHandler handler = new ExecHandler(spec("sh", "-c", "env"), Map.of("EXTRA_VAR", "extra value", "BULWARK_ITEM", "overridden?"));

        assertThat(handler.handle(ctx("some key", 2, log)).succeeded()).isTrue();

        Map<String, String> env = Arrays.stream(output(log).split("\n")).filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1), (x, y) -> y));
        assertThat(env).containsEntry("BULWARK_JOB_ID", JOB.toString())
                .containsEntry("BULWARK_ITEM", "some key")
                .containsEntry("BULWARK_ITEM_SEQ", "7")
                .containsEntry("BULWARK_ATTEMPT", "2")
                .containsEntry("BULWARK_IDEMPOTENCY_KEY", JOB + ":7")
                .containsEntry("BULWARK_SLOT", "2")
                .containsEntry("EXTRA_VAR", "extra value")
                .containsKey("PATH");
    }

    // ------------------------------------------------------------------ shell mode

    @Test
    void shellModePassesTheKeyAsFirstParameterWithoutInjection() throws IOException {
        Path pwned = dir.resolve("pwned");
        ExecHandler handler = new ExecHandler(shell("printf '%s\\n' {} \"[{}]\" \"$1\" {/.} \"$BULWARK_ITEM\"; printf '%s\\n' '{}'"));
        for (String key : List.of("x/a b.txt", "$(touch " + pwned + ")", "\"; touch " + pwned + "; echo \"", "'; touch " + pwned + " #",
                "line1\nline2", "-n")) {
            Path log = dir.resolve("shell-" + Math.abs(key.hashCode()) + ".log");
            assertThat(run(handler, key, log).succeeded()).as(key).isTrue();
            String base = key.substring(key.lastIndexOf('/') + 1);
            String baseNoExt = base.contains(".") && !base.endsWith(".") ? base.substring(0, base.lastIndexOf('.')) : base;
            assertThat(output(log)).as(key).isEqualTo(key + "\n[" + key + "]\n" + key + "\n" + baseNoExt + "\n" + key + "\n{}\n");
        }
        assertThat(pwned).doesNotExist();
        assertThat(Path.of("pwned")).doesNotExist();
    }

    @Test
    void shellModeHeaderShowsTheRewrittenScript() throws IOException {
        Path log = dir.resolve("h.log");
        ExecHandler handler = new ExecHandler(shell("echo {}"));

        assertThat(run(handler, "k", log).succeeded()).isTrue();

        assertThat(Files.readAllLines(log).get(0)).endsWith("command=[\"/bin/sh\",\"-c\",\"echo \\\"${1}\\\"\",\"bulwark\",\"k\"]");
        assertThat(output(log)).isEqualTo("k\n");
    }

    // ------------------------------------------------------------------ classification

    @Test
    void exitCodesAreClassified() {
        ExecHandler handler = new ExecHandler(spec(Set.of(2), Set.of(99), "sh", "-c", "exit \"$1\"", "sh", "{}"));

        AttemptResult ok = run(handler, "0", null);
        assertThat(ok.succeeded()).isTrue();
        assertThat(ok.exitCode()).isZero();

        assertThat(run(handler, "2", null)).extracting(AttemptResult::succeeded, AttemptResult::errorClass, AttemptResult::category,
                AttemptResult::exitCode).containsExactly(false, ErrorClass.PERMANENT, "exit:2", 2);
        assertThat(run(handler, "99", null)).extracting(AttemptResult::errorClass, AttemptResult::category)
                .containsExactly(ErrorClass.CRITICAL, "exit:99");
        assertThat(run(handler, "1", null)).extracting(AttemptResult::errorClass, AttemptResult::category, AttemptResult::message)
                .containsExactly(ErrorClass.TRANSIENT, "exit:1", "exit code 1");
        assertThat(run(handler, "75", null)).extracting(AttemptResult::errorClass, AttemptResult::category)
                .containsExactly(ErrorClass.TRANSIENT, "exit:75");
        assertThat(run(handler, "255", null)).extracting(AttemptResult::errorClass, AttemptResult::category)
                .containsExactly(ErrorClass.TRANSIENT, "exit:255");
    }

    @Test
    void killedBySignalIsTransient() {
        ExecHandler handler = new ExecHandler(spec("sh", "-c", "kill -\"$1\" $$", "sh", "{}"));

        assertThat(run(handler, "KILL", null)).extracting(AttemptResult::errorClass, AttemptResult::category, AttemptResult::exitCode)
                .containsExactly(ErrorClass.TRANSIENT, "signal:KILL", 137);
        assertThat(run(handler, "TERM", null)).extracting(AttemptResult::errorClass, AttemptResult::category)
                .containsExactly(ErrorClass.TRANSIENT, "signal:TERM");
    }

    @Test
    void declaredCodesWinOverSignals() {
        ExecHandler handler = new ExecHandler(spec(Set.of(137), Set.of(), "sh", "-c", "kill -KILL $$"));

        assertThat(run(handler, "k", null)).extracting(AttemptResult::errorClass, AttemptResult::category)
                .containsExactly(ErrorClass.PERMANENT, "exit:137");
    }

    @Test
    void failureMessageHasTheLastOutputLine() throws IOException {
        Path log = dir.resolve("fail.log");
        ExecHandler handler = new ExecHandler(spec("sh", "-c", "echo starting; echo 'disk quota exceeded' >&2; echo; exit 3"));

        AttemptResult result = run(handler, "k", log);

        assertThat(result.message()).isEqualTo("exit code 3: disk quota exceeded");
        assertThat(lastLine(log)).matches("# exit=3 duration_ms=\\d+ outcome=failed class=TRANSIENT category=exit:3");
    }

    @Test
    void missingProgramIsPermanentSpawnFailure() throws IOException {
        Path log = dir.resolve("spawn.log");
        ExecHandler handler = new ExecHandler(spec("/nonexistent/bulwark-no-such-program", "{}"));

        AttemptResult result = run(handler, "k", log);

        assertThat(result.succeeded()).isFalse();
        assertThat(result.errorClass()).isEqualTo(ErrorClass.PERMANENT);
        assertThat(result.category()).isEqualTo("spawn");
        assertThat(result.message()).contains("/nonexistent/bulwark-no-such-program").containsIgnoringCase("no such file");
        assertThat(Files.readString(log)).contains("# spawn failed: ");
        assertThat(lastLine(log)).matches("# exit=- duration_ms=\\d+ outcome=failed class=PERMANENT category=spawn");

        assertThat(run(new ExecHandler(spec("bulwark-no-such-program-on-path")), "k", null))
                .extracting(AttemptResult::errorClass, AttemptResult::category).containsExactly(ErrorClass.PERMANENT, "spawn");
    }

    @Test
    void notExecutableIsPermanentSpawnFailure() throws IOException {
        Path script = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-------"));

        AttemptResult result = run(new ExecHandler(spec(script.toString())), "k", null);

        assertThat(result.errorClass()).isEqualTo(ErrorClass.PERMANENT);
        assertThat(result.category()).isEqualTo("spawn");
        assertThat(result.message()).contains(script.toString()).containsIgnoringCase("permission denied");
    }

    @Test
    void keyWithNulCannotBePassed() {
        AttemptResult result = run(new ExecHandler(spec("echo")), "a\0b", null);

        assertThat(result).extracting(AttemptResult::errorClass, AttemptResult::category).containsExactly(ErrorClass.PERMANENT, "spawn");
    }

    // ------------------------------------------------------------------ stopping

    @Test
    void timeoutKillsTheWholeTreeIncludingAGrandchildThatIgnoresTerm() throws Exception {
        ExecSpec spec = new ExecSpec(List.of(
                "sh -c 'trap \"\" TERM; sleep 30 & echo $! > \"$1/grandchild.pid\"; wait' child \"$1\" & sleep 30 & wait"),
                true, Set.of(), Set.of(), Duration.ofMillis(300), ExecSpec.DEFAULT_OUTPUT_CAP);
        ExecHandler handler = new ExecHandler(spec);
        Path log = dir.resolve("timeout.log");
        AttemptContext ctx = ctx(dir.toString(), 1, log);

        CompletableFuture<AttemptResult> result = CompletableFuture.supplyAsync(() -> handler.handle(ctx));
        Path marker = dir.resolve("grandchild.pid");
        await().atMost(PATIENCE).until(() -> Files.exists(marker) && Files.readString(marker).endsWith("\n"));
        long grandchild = Long.parseLong(Files.readString(marker).trim());
        assertThat(ProcessTree.isRunning(grandchild)).isTrue();

        long t0 = System.nanoTime();
        CompletableFuture.runAsync(() -> ctx.stop(StopReason.TIMEOUT)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        AttemptResult r = result.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        assertThat(r).extracting(AttemptResult::succeeded, AttemptResult::errorClass, AttemptResult::category, AttemptResult::message)
                .containsExactly(false, ErrorClass.TRANSIENT, "timeout", "timed out after 200ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(ProcessTree.isRunning(grandchild)).as("grandchild %d", grandchild).isFalse();
        assertThat(lastLine(log)).matches("# exit=\\d+ duration_ms=\\d+ outcome=timeout class=TRANSIENT category=timeout");
    }

    @Test
    void aStopAlsoEndsAProcessThatLeftTheTreeButStayedInTheGroup() throws Exception {
        // the subshell starts sleep and exits at once: sleep is re-parented, no longer a descendant
        ExecHandler handler = new ExecHandler(new ExecSpec(List.of("(sleep 30 & echo $! > \"$1/orphan.pid\") ; exec sleep 30"),
                true, Set.of(), Set.of(), Duration.ofMillis(300), ExecSpec.DEFAULT_OUTPUT_CAP));
        AttemptContext ctx = ctx(dir.toString(), 1, null);

        CompletableFuture<AttemptResult> result = CompletableFuture.supplyAsync(() -> handler.handle(ctx));
        Path marker = dir.resolve("orphan.pid");
        await().atMost(PATIENCE).until(() -> Files.exists(marker) && Files.readString(marker).endsWith("\n"));
        long orphan = Long.parseLong(Files.readString(marker).trim());
        assertThat(ProcessTree.isRunning(orphan)).isTrue();
        ctx.stop(StopReason.TIMEOUT);

        assertThat(result.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).category()).isEqualTo("timeout");
        assertThat(ProcessTree.isRunning(orphan)).as("orphan %d", orphan).isFalse();
    }

    @Test
    void otherStopReasonsAreInterrupted() throws Exception {
        ExecHandler handler = new ExecHandler(new ExecSpec(List.of("echo started > \"$1/started\"; exec sleep 30"), true, Set.of(),
                Set.of(), Duration.ofSeconds(5), ExecSpec.DEFAULT_OUTPUT_CAP));
        AttemptContext ctx = ctx(dir.toString(), 1, null);

        CompletableFuture<AttemptResult> result = CompletableFuture.supplyAsync(() -> handler.handle(ctx));
        await().atMost(PATIENCE).until(() -> Files.exists(dir.resolve("started")));
        ctx.stop(StopReason.PAUSE);

        assertThat(result.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .extracting(AttemptResult::errorClass, AttemptResult::category, AttemptResult::message)
                .containsExactly(ErrorClass.TRANSIENT, "interrupted", "stopped: pause");
    }

    @Test
    void alreadyStoppedDoesNotStartAnything() {
        AttemptContext ctx = ctx("k", 1, null);
        ctx.stop(StopReason.CANCEL);

        AttemptResult result = new ExecHandler(spec("sh", "-c", "touch \"$1\"", "sh", dir.resolve("ran").toString())).handle(ctx);

        assertThat(result.category()).isEqualTo("interrupted");
        assertThat(dir.resolve("ran")).doesNotExist();
    }

    @Test
    void stopAfterTheProcessEndedKeepsItsResult() {
        AttemptContext ctx = ctx("k", 1, null);
        AttemptResult result = new ExecHandler(spec("true")).handle(ctx);
        ctx.stop(StopReason.TIMEOUT);

        assertThat(result.succeeded()).isTrue();
    }

    @Test
    void interruptingTheHandlerThreadStopsTheTree() throws Exception {
        ExecHandler handler = new ExecHandler(new ExecSpec(List.of("sleep 30 & echo $! > \"$1/child.pid\"; wait"), true, Set.of(),
                Set.of(), Duration.ofSeconds(5), ExecSpec.DEFAULT_OUTPUT_CAP));
        AtomicReference<AttemptResult> result = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            result.set(handler.handle(ctx(dir.toString(), 1, null)));
            flag.set(Thread.currentThread().isInterrupted());
        });
        Path marker = dir.resolve("child.pid");
        await().atMost(PATIENCE).until(() -> Files.exists(marker) && Files.readString(marker).endsWith("\n"));
        long child = Long.parseLong(Files.readString(marker).trim());

        thread.interrupt();
        thread.join(PATIENCE.toMillis());

        assertThat(thread.isAlive()).isFalse();
        assertThat(result.get().category()).isEqualTo("interrupted");
        assertThat(flag.get()).isTrue();
        assertThat(ProcessTree.isRunning(child)).isFalse();
    }

    @Test
    void anAttemptWhoseThreadIsAlreadyInterruptedStillWritesItsWholeLog() throws Exception {
        Path log = dir.resolve("interrupted.log");
        ExecHandler handler = new ExecHandler(new ExecSpec(List.of("sh", "-c", "exec sleep 30", "sh", "{}"), false, Set.of(), Set.of(),
                Duration.ofSeconds(5), ExecSpec.DEFAULT_OUTPUT_CAP));
        AtomicReference<AttemptResult> result = new AtomicReference<>();
        Thread thread = Thread.ofVirtual().start(() -> {
            Thread.currentThread().interrupt();
            result.set(handler.handle(ctx("k", 1, log)));
        });
        thread.join(PATIENCE.toMillis());

        assertThat(result.get().category()).isEqualTo("interrupted");
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(lines.get(0)).startsWith("# bulwark job=");
        assertThat(lastLine(log)).matches("# exit=\\d+ duration_ms=\\d+ outcome=interrupted class=TRANSIENT category=interrupted");
    }

    // ------------------------------------------------------------------ log file

    @Test
    void logHasHeaderOutputAndTrailerPerAttempt() throws IOException {
        Path log = dir.resolve("nested/dirs/item.log");
        ExecHandler handler = new ExecHandler(spec("sh", "-c", "echo out; echo err >&2; exit \"$1\"", "sh", "{}"));

        handler.handle(ctx("1", 1, log));
        handler.handle(ctx("0", 2, log));

        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(8);
        assertThat(lines.get(0)).isEqualTo("# bulwark job=" + JOB + " seq=7 item=1 scope=host-a attempt=1 time=2030-01-02T03:04:05Z"
                + " handler=exec command=[\"sh\",\"-c\",\"echo out; echo err >&2; exit \\\"$1\\\"\",\"sh\",\"1\"]");
        assertThat(lines.subList(1, 3)).containsExactly("out", "err");
        assertThat(lines.get(3)).matches("# exit=1 duration_ms=\\d+ outcome=failed class=TRANSIENT category=exit:1");
        assertThat(lines.get(4)).startsWith("# bulwark job=" + JOB + " seq=7 item=0 scope=host-a attempt=2 ");
        assertThat(lines.subList(5, 7)).containsExactly("out", "err");
        assertThat(lines.get(7)).matches("# exit=0 duration_ms=\\d+ outcome=succeeded");
    }

    @Test
    void headerQuotesKeysThatAreNotPlainWords() throws IOException {
        Path log = dir.resolve("q.log");
        new ExecHandler(spec("true")).handle(ctx("two words\n# bulwark forged", 1, log));

        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains(" item=\"two words\\n# bulwark forged\" ");
    }

    @Test
    void outputOverTheCapIsTruncatedPerAttempt() throws IOException {
        Path log = dir.resolve("cap.log");
        ExecHandler handler = new ExecHandler(new ExecSpec(List.of("sh", "-c", "head -c \"$1\" /dev/zero | tr '\\0' x", "sh", "{}"), false,
                Set.of(), Set.of(), ExecSpec.DEFAULT_KILL_GRACE, 100));

        assertThat(handler.handle(ctx("1000", 1, log)).succeeded()).isTrue();
        assertThat(output(log)).isEqualTo("x".repeat(100) + "\n# output truncated: 900 bytes over the cap\n");

        assertThat(handler.handle(ctx("100", 2, log)).succeeded()).isTrue();
        assertThat(handler.handle(ctx("5000", 3, log)).succeeded()).isTrue();
        String text = Files.readString(log);
        String[] attempts = text.split("(?m)^# bulwark ");
        assertThat(attempts).hasSize(4);
        assertThat(attempts[1]).contains("x".repeat(100) + "\n# output truncated: 900 bytes over the cap\n# exit=0");
        assertThat(attempts[2]).contains("\n" + "x".repeat(100) + "\n# exit=0").doesNotContain("truncated");
        assertThat(attempts[3]).contains("\n" + "x".repeat(100) + "\n# output truncated: 4900 bytes over the cap\n# exit=0");
    }

    @Test
    void withoutLogFileOutputIsDiscarded() {
        AttemptResult result = new ExecHandler(spec("sh", "-c", "echo hello; exit 4")).handle(ctx("k", 1, null));

        assertThat(result).extracting(AttemptResult::category, AttemptResult::message).containsExactly("exit:4", "exit code 4");
    }

    @Test
    void concurrentAttemptsOnOneHandler() {
        ExecHandler handler = new ExecHandler(spec("printf", "%s\\n", "{}"));
        List<CompletableFuture<Boolean>> runs = java.util.stream.IntStream.range(0, 16)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                    Path log = dir.resolve("c/" + i + ".log");
                    try {
                        return handler.handle(ctx("key-" + i, 1, log)).succeeded() && output(log).equals("key-" + i + "\n");
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }))
                .toList();

        assertThat(runs).allSatisfy(f -> assertThat(f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue());
    }
}
