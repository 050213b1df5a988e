package dev.bulwark.exec.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Both launchers keep one contract; the posix_spawn one adds a process group and closed descriptors. */
@EnabledOnOs(OS.LINUX)
class LauncherTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final Map<String, String> BASE = Map.of("PATH", System.getenv("PATH"), "KEPT", "base", "BULWARK_ITEM", "stale");
    private static final Set<String> RESERVED = Set.of("BULWARK_ITEM");

    @TempDir
    Path dir;

    static Stream<Launcher> launchers() {
        return Stream.of(new PosixSpawnLauncher(BASE, RESERVED), new JdkLauncher(BASE, RESERVED));
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    @Test
    void thePosixSpawnLauncherIsTheOneUsedOnLinux() {
        assertThat(PosixSpawnLauncher.isAvailable()).as("posix_spawn through JNA").isTrue();
        assertThat(Launcher.create(BASE, RESERVED)).isInstanceOf(PosixSpawnLauncher.class);
    }

    @ParameterizedTest
    @MethodSource("launchers")
    void outputAndErrorsAreAppendedToTheLogAndStdinIsEmpty(Launcher launcher) throws Exception {
        Path log = Files.writeString(dir.resolve("item.log"), "header\n");
        Child child = launcher.start(List.of("sh", "-c", "echo out; echo err >&2; cat; exit 3"), Map.of(), log);

        assertThat(child.waitFor()).isEqualTo(3);
        assertThat(read(log)).isEqualTo("header\nout\nerr\n");
    }

    @ParameterizedTest
    @MethodSource("launchers")
    void theAttemptsVariablesWinAndReservedNamesAreNotInherited(Launcher launcher) throws Exception {
        Path log = dir.resolve("env.log");
        Child child = launcher.start(List.of("sh", "-c", "echo \"$KEPT ${BULWARK_ITEM-unset} ${BULWARK_SLOT-unset}\""), Map.of(), log);
        assertThat(child.waitFor()).isZero();
        Child second = launcher.start(List.of("sh", "-c", "echo \"$KEPT $BULWARK_ITEM\""), Map.of("BULWARK_ITEM", "mine"), log);
        assertThat(second.waitFor()).isZero();

        assertThat(read(log)).isEqualTo("base unset unset\nbase mine\n");
    }

    @ParameterizedTest
    @MethodSource("launchers")
    void aDeathBySignalIs128PlusTheSignalNumber(Launcher launcher) throws Exception {
        Child child = launcher.start(List.of("sh", "-c", "kill -SEGV $$"), Map.of(), null);

        assertThat(child.waitFor()).isEqualTo(128 + 11);
        assertThat(child.isAlive()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("launchers")
    void aMissingProgramFailsWithTheOperatingSystemsReason(Launcher launcher) {
        assertThatThrownBy(() -> launcher.start(List.of("no-such-program-" + ProcessHandle.current().pid()), Map.of(), null))
                .isInstanceOf(IOException.class).hasMessage("No such file or directory");
    }

    @ParameterizedTest
    @MethodSource("launchers")
    void waitingWithABoundReturnsMinusOneWhileItRuns(Launcher launcher) throws Exception {
        Child child = launcher.start(List.of("sleep", "30"), Map.of(), null);
        try {
            assertThat(child.waitFor(Duration.ofMillis(20))).isEqualTo(-1);
            assertThat(child.isAlive()).isTrue();
        } finally {
            child.handle().ifPresent(ProcessHandle::destroyForcibly);
        }
        assertThat(child.waitFor(PATIENCE)).isEqualTo(128 + 9);
    }

    @Test
    void aSpawnedCommandLeadsItsOwnProcessGroupAndHoldsOnlyStdio() throws Exception {
        Child child = new PosixSpawnLauncher(BASE, RESERVED).start(List.of("sleep", "30"), Map.of(), dir.resolve("log"));
        try {
            Path fds = Path.of("/proc", Long.toString(child.pid()), "fd");
            await().atMost(PATIENCE).until(() -> commandOf(child.pid()).equals("sleep"));
            Set<String> open = new TreeSet<>();
            try (Stream<Path> list = Files.list(fds)) {
                list.forEach(p -> open.add(p.getFileName().toString()));
            }

            assertThat(child.ownGroup()).isTrue();
            assertThat(processGroupOf(child.pid())).isEqualTo(child.pid()).isNotEqualTo(processGroupOf(ProcessHandle.current().pid()));
            assertThat(open).containsExactly("0", "1", "2");
        } finally {
            child.handle().ifPresent(ProcessHandle::destroyForcibly);
            child.waitFor(PATIENCE);
        }
    }

    @Test
    void anEndedCommandIsReapedAndLeavesNoZombie() throws Exception {
        Child child = new PosixSpawnLauncher(BASE, RESERVED).start(List.of("true"), Map.of(), null);

        assertThat(child.waitFor()).isZero();
        assertThat(Path.of("/proc", Long.toString(child.pid()))).doesNotExist();
    }

    @Test
    void bytesThatAreNotUtf8ReachTheCommandFromPosixSpawnAndAreRefusedByTheJdkLauncher() throws Exception {
        String key = "caf\uefe9"; // caf and the byte 0xe9, as FileNames keeps a Latin-1 name
        Path log = dir.resolve("bytes.log");
        Child child = new PosixSpawnLauncher(BASE, RESERVED).start(List.of("sh", "-c", "printf '%s|%s' \"$1\" \"$BULWARK_ITEM\"",
                "sh", key), Map.of("BULWARK_ITEM", key), log);
        assertThat(child.waitFor()).isZero();
        assertThat(Files.readAllBytes(log)).as("argument and variable, byte for byte")
                .isEqualTo(new byte[] {'c', 'a', 'f', (byte) 0xe9, '|', 'c', 'a', 'f', (byte) 0xe9});

        assertThatThrownBy(() -> new JdkLauncher(BASE, RESERVED).start(List.of("cat", key), Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the argument 'caf\\xe9' holds bytes that are not UTF-8, which the portable launcher cannot pass"
                        + " (Java encodes arguments as text); on Linux with JNA Bulwark passes them exactly");
    }

    private static String commandOf(long pid) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
    }

    private static long processGroupOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }
}
