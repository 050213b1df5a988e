package dev.bulwark.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.exec.internal.ProcessTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@DisabledOnOs(OS.WINDOWS)
class ProcessTreeTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private Process sh(String script) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", script, "sh", dir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    /** Waits until {@code file} holds one pid per line, {@code count} of them, and returns them. */
    private List<Long> pids(String file, int count) {
        Path path = dir.resolve(file);
        await().atMost(PATIENCE).until(() -> Files.exists(path) && Files.readAllLines(path).stream()
                .filter(l -> !l.isBlank()).count() >= count && Files.readString(path).endsWith("\n"));
        try {
            return Files.readAllLines(path).stream().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.trim())).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void terminatesBackgroundAndForegroundChildren() throws Exception {
        Process root = sh("sleep 100 & echo $! >> \"$1/pids\"; sh -c 'echo $$ >> \"$1/pids\"; exec sleep 100' x \"$1\"; wait");
        List<Long> children = pids("pids", 2);

        long t0 = System.nanoTime();
        ProcessTree.terminate(root, Duration.ofSeconds(10)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        // everything obeys TERM: done well before the grace period ends
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(root.isAlive()).isFalse();
        assertThat(children).allSatisfy(pid -> assertThat(ProcessTree.isRunning(pid)).as("pid %d", pid).isFalse());
    }

    @Test
    void killsWhatIgnoresTermAfterTheGracePeriod() throws Exception {
        // the root and its children ignore TERM; a grandchild is forked under a TERM-ignoring child
        Process root = sh("trap '' TERM; sleep 100 & echo $! >> \"$1/pids\";"
                + " sh -c 'sleep 100 & echo $! >> \"$1/pids\"; wait' x \"$1\" & wait");
        List<Long> descendants = pids("pids", 2);

        long t0 = System.nanoTime();
        CompletableFuture<Void> done = ProcessTree.terminate(root, Duration.ofMillis(300));
        done.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(root.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(root.exitValue()).isEqualTo(128 + 9);
        assertThat(descendants).allSatisfy(pid -> assertThat(ProcessTree.isRunning(pid)).as("pid %d", pid).isFalse());
    }

    @Test
    void doesNotBlockTheCaller() throws Exception {
        Process root = sh("trap '' TERM; echo $$ >> \"$1/pids\"; while :; do sleep 1; done");
        pids("pids", 1);

        Duration grace = Duration.ofSeconds(2);
        long t0 = System.nanoTime();
        CompletableFuture<Void> done = ProcessTree.terminate(root, grace);
        long callNanos = System.nanoTime() - t0;

        // The call only sends TERM and schedules the KILL: it returns long before the grace ends
        // (the process ignores TERM, so the future can complete only after the grace).
        assertThat(Duration.ofNanos(callNanos)).isLessThan(grace);
        done.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(grace);
        assertThat(root.isAlive()).isFalse();
    }

    @Test
    void zeroGraceKillsAtOnce() throws Exception {
        Process root = sh("trap '' TERM; sleep 100 & echo $! >> \"$1/pids\"; wait");
        long child = pids("pids", 1).get(0);

        ProcessTree.terminate(root, Duration.ZERO).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        assertThat(root.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(root.exitValue()).isEqualTo(128 + 9);
        assertThat(ProcessTree.isRunning(child)).isFalse();
    }

    @Test
    void anExitedProcessIsFine() throws Exception {
        Process root = sh("exit 3");
        assertThat(root.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        ProcessTree.terminate(root, Duration.ofSeconds(5)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        assertThat(root.exitValue()).isEqualTo(3);
    }

    @Test
    void blockingVariantKillsTheTree() throws Exception {
        Process root = sh("sleep 100 & echo $! >> \"$1/pids\"; wait");
        long child = pids("pids", 1).get(0);

        ProcessTree.terminateAndWait(root.toHandle(), Duration.ofSeconds(5));

        assertThat(root.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(ProcessTree.isRunning(child)).isFalse();
    }
}
