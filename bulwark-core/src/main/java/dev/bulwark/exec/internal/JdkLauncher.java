package dev.bulwark.exec.internal;

import dev.bulwark.util.FileNames;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The portable launcher: {@link ProcessBuilder}. The command stays in Bulwark's process group (Java
 * cannot start a process in a group of its own), so a Ctrl-C on a terminal reaches it too; the
 * engine still records such an attempt as interrupted when it pauses the job (see the exec
 * handler). Used where {@link PosixSpawnLauncher} is not available: not Linux, JNA missing, or an
 * older C library.
 *
 * <p>Java encodes arguments and variables as text in the platform encoding, so the bytes of a file
 * name that is not UTF-8 cannot reach the command: such an argument is refused (the attempt fails
 * with category {@code spawn}), and the {@code BULWARK_ITEM*} variables show such bytes as
 * {@code \xNN}.
 */
final class JdkLauncher implements Launcher {
    private static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    private static final File NULL_FILE = new File(WINDOWS ? "NUL" : "/dev/null");

    private final Map<String, String> base;

    JdkLauncher(Map<String, String> base, Set<String> reserved) {
        Map<String, String> copy = new HashMap<>(base);
        copy.keySet().removeAll(reserved);
        this.base = Map.copyOf(copy);
    }

    @Override
    public Child start(List<String> argv, Map<String, String> attemptEnv, Path output) throws IOException {
        for (String arg : argv) {
            if (FileNames.hasRawBytes(arg)) {
                throw new IllegalArgumentException("the argument '" + FileNames.escape(arg) + "' holds bytes that are not UTF-8,"
                        + " which the portable launcher cannot pass (Java encodes arguments as text); on Linux with JNA"
                        + " Bulwark passes them exactly");
            }
        }
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(Redirect.from(NULL_FILE))
                .redirectErrorStream(true)
                .redirectOutput(output == null ? Redirect.DISCARD : Redirect.appendTo(output.toFile()));
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(base);
        attemptEnv.forEach((name, value) -> env.put(name, FileNames.escape(value))); // text only: raw bytes shown \xNN
        try {
            return new JdkChild(builder.start());
        } catch (IOException e) {
            throw new IOException(osReason(e), e);
        }
    }

    @Override
    public boolean ownGroups() {
        return false;
    }

    /** "Cannot run program "x": error=2, No such file or directory" -> "No such file or directory". */
    private static String osReason(IOException e) {
        Throwable cause = e.getCause();
        String os = cause != null && cause.getMessage() != null ? cause.getMessage() : e.getMessage();
        if (os == null) {
            return e.toString();
        }
        // JDK 17-21: "error=2, No such file or directory"; JDK 22+: "Exec failed, error: 2 (No such file or directory) "
        return os.strip().replaceFirst("^error=\\d+, ", "").replaceFirst("^Exec failed, error: \\d+ \\((.*)\\)$", "$1");
    }

    private record JdkChild(Process process) implements Child {
        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public Optional<ProcessHandle> handle() {
            return Optional.of(process.toHandle());
        }

        @Override
        public boolean ownGroup() {
            return false;
        }

        @Override
        public int waitFor() throws InterruptedException {
            return process.waitFor();
        }

        @Override
        public int waitFor(Duration max) throws InterruptedException {
            return process.waitFor(max.toNanos(), TimeUnit.NANOSECONDS) ? process.exitValue() : -1;
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }
    }
}
