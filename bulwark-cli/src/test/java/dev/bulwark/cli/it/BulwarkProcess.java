package dev.bulwark.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code bulwark} command as a real operating-system process: the packaged jar started with the
 * JVM that runs the tests ({@code ProcessHandle.current().info().command()}).
 *
 * <p>Standard output is collected as bytes (exports are compared byte for byte), standard error as
 * UTF-8 lines that a test can wait for ({@link #awaitStderr}). Nothing here sleeps to wait for
 * something to happen: every wait is on a condition (a line, an exit, a file, a process gone) with a
 * generous upper bound, and fails with the process's output when the bound passes.
 *
 * <p>How the jar is started:
 * <ul>
 *   <li>{@code -Djava.io.tmpdir} points into the test's own directory: the SQLite driver extracts
 *       its native library there for every process, and a process killed with SIGKILL never deletes
 *       it, so the crash loop would otherwise leave megabytes in the system's temporary
 *       directory.</li>
 *   <li>{@code -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} and, unless {@code -Dbulwark.it.cds=false},
 *       a class-data-sharing archive of the jar's classes made once per test JVM: they only shorten
 *       the start of the many short-lived processes on a small machine; the behaviour under test
 *       is the same. JVM log output goes to standard error, never into standard output.</li>
 *   <li>{@code BULWARK_*} variables of the test's environment are removed; the rest is
 *       inherited (the failsafe configuration sets a UTF-8 locale).</li>
 * </ul>
 */
public final class BulwarkProcess implements AutoCloseable {
    /** Upper bound for commands that should take seconds: generous, for slow and loaded machines. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(180);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_LINE = Pattern.compile("^bulwark: job ([0-9a-f-]{36}) \\(");
    private static final boolean PROC = Files.isDirectory(Path.of("/proc/self"));
    private static volatile List<String> jvmFlags;

    private final List<String> command;
    private final Process process;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final List<String> stderrLines = new ArrayList<>();
    private final Thread outPump;
    private final Thread errPump;
    private boolean stderrClosed;

    private BulwarkProcess(List<String> command, Process process) {
        this.command = command;
        this.process = process;
        this.outPump = Thread.ofPlatform().daemon().name("bulwark-it-stdout-" + process.pid())
                .start(() -> pumpStdout(process.getInputStream()));
        this.errPump = Thread.ofPlatform().daemon().name("bulwark-it-stderr-" + process.pid())
                .start(() -> pumpStderr(process.getErrorStream()));
    }

    // ------------------------------------------------------------------------------ starting

    /** The packaged jar: the {@code bulwark.jar} system property (set by failsafe), else target/bulwark.jar. */
    public static Path jar() {
        String configured = System.getProperty("bulwark.jar");
        Path jar = configured != null && !configured.isBlank() ? Path.of(configured) : Path.of("target", "bulwark.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the bulwark jar " + jar.toAbsolutePath() + " does not exist: run the "
                    + "integration tests through 'mvn verify' (the jar is packaged before them)");
        }
        return jar.toAbsolutePath();
    }

    /** The java launcher of the JVM that runs the tests. */
    public static String java() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** A process in {@code workDir} (its current directory, where relative paths and keys resolve). */
    public static Builder in(Path workDir) {
        return new Builder(workDir);
    }

    /** Starts {@code bulwark ARGS} in {@code workDir} with the default environment. */
    public static BulwarkProcess start(Path workDir, String... args) {
        return in(workDir).start(args);
    }

    /** Runs {@code bulwark ARGS} in {@code workDir} to its end (bounded by {@link #COMMAND_TIMEOUT}). */
    public static Result run(Path workDir, String... args) {
        return in(workDir).run(args);
    }

    /** How to start a process: directory, environment, extra JVM options. */
    public static final class Builder {
        private final Path workDir;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> wrapper = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        /** An environment variable for the process (and so for the commands it runs). */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** An extra option for the JVM, such as {@code -Dname=value}. */
        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        /**
         * Runs the JVM through {@code /bin/sh -c SCRIPT}, where the script ends with
         * {@code exec "$@"}; for example {@code ulimit -f 100 && exec "$@"}.
         */
        public Builder throughShell(String scriptEndingWithExec) {
            wrapper.clear();
            wrapper.addAll(List.of("/bin/sh", "-c", scriptEndingWithExec, "sh"));
            return this;
        }

        public BulwarkProcess start(String... args) {
            List<String> cmd = new ArrayList<>(wrapper);
            cmd.add(java());
            cmd.addAll(jvmFlags(workDir));
            cmd.addAll(jvmOptions);
            cmd.add("-jar");
            cmd.add(jar().toString());
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Map<String, String> e = pb.environment();
            e.keySet().removeIf(name -> name.startsWith("BULWARK_"));
            e.putAll(env);
            try {
                return new BulwarkProcess(cmd, pb.start());
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot start " + cmd, ex);
            }
        }

        public Result run(String... args) {
            try (BulwarkProcess p = start(args)) {
                int code = p.awaitExit(COMMAND_TIMEOUT);
                return p.result(code);
            }
        }
    }

    private static List<String> jvmFlags(Path workDir) {
        Path tmp = workDir.resolve(".jvm-tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> flags = new ArrayList<>(List.of("-Djava.io.tmpdir=" + tmp));
        flags.addAll(sharedFlags());
        return flags;
    }

    private static List<String> baseFlags() {
        return List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xlog:disable", "-Xlog:all=warning:stderr");
    }

    /** Base flags, plus the class-data-sharing archive once it exists (made by the first call). */
    private static List<String> sharedFlags() {
        List<String> flags = jvmFlags;
        if (flags == null) {
            synchronized (BulwarkProcess.class) {
                flags = jvmFlags;
                if (flags == null) {
                    flags = new ArrayList<>(baseFlags());
                    Optional<Path> archive = Boolean.parseBoolean(System.getProperty("bulwark.it.cds", "true"))
                            ? trainArchive() : Optional.empty();
                    if (archive.isPresent()) {
                        flags.add("-XX:SharedArchiveFile=" + archive.get());
                    }
                    jvmFlags = List.copyOf(flags);
                    flags = jvmFlags;
                }
            }
        }
        return flags;
    }

    /**
     * Runs one small job with {@code -XX:ArchiveClassesAtExit} so that later processes load the
     * jar's classes from the archive. Any failure only means no archive.
     */
    private static Optional<Path> trainArchive() {
        try {
            String work = System.getProperty("bulwark.it.work");
            Path dir = work == null || work.isBlank() ? Files.createTempDirectory("bulwark-it-cds-")
                    : Files.createDirectories(Path.of(work, "cds"));
            Path archive = dir.resolve("bulwark.jsa");
            Files.deleteIfExists(archive);
            deleteTree(dir.resolve("home"));
            Path items = Files.writeString(dir.resolve("items.txt"), "a\nb\n");
            List<String> cmd = new ArrayList<>(List.of(java(), "-Djava.io.tmpdir=" + dir));
            cmd.addAll(baseFlags());
            cmd.add("-XX:ArchiveClassesAtExit=" + archive);
            cmd.addAll(List.of("-jar", jar().toString(), "run", "--home", dir.resolve("home").toString(),
                    "--items", items.toString(), "--quiet", "--", "true"));
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("train.log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return Optional.empty();
            }
            return p.exitValue() == 0 && Files.isRegularFile(archive) && Files.size(archive) > 0
                    ? Optional.of(archive) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ------------------------------------------------------------------------------ output

    private void pumpStdout(InputStream in) {
        byte[] buf = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                synchronized (stdout) {
                    stdout.write(buf, 0, n);
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    private void pumpStderr(InputStream in) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (in) {
            for (int b; (b = in.read()) >= 0; ) {
                if (b == '\n') {
                    addLine(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        } finally {
            if (line.size() > 0) {
                addLine(line.toString(StandardCharsets.UTF_8));
            }
            synchronized (stderrLines) {
                stderrClosed = true;
                stderrLines.notifyAll();
            }
        }
    }

    private void addLine(String line) {
        synchronized (stderrLines) {
            stderrLines.add(line);
            stderrLines.notifyAll();
        }
    }

    /** Standard error so far, one entry per line. */
    public List<String> stderrLines() {
        synchronized (stderrLines) {
            return List.copyOf(stderrLines);
        }
    }

    public String stderr() {
        return String.join("\n", stderrLines());
    }

    public byte[] stdoutBytes() {
        synchronized (stdout) {
            return stdout.toByteArray();
        }
    }

    /**
     * Waits until a line of standard error matches, and returns it. Fails when the process closes
     * standard error (exits) first, or after {@code max}.
     */
    public String awaitStderr(Predicate<String> matches, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (stderrLines) {
            int seen = 0;
            while (true) {
                for (; seen < stderrLines.size(); seen++) {
                    if (matches.test(stderrLines.get(seen))) {
                        return stderrLines.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (stderrClosed || left <= 0) {
                    throw new AssertionError((stderrClosed ? "the process ended" : "no matching line within " + max)
                            + " before the expected line on standard error\n" + describe());
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(stderrLines, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /** Waits for the run's first line, {@code bulwark: job <uuid> (<name>): ...}, and returns the job id. */
    public UUID awaitJobId() {
        String line = awaitStderr(l -> JOB_LINE.matcher(l).find(), COMMAND_TIMEOUT);
        Matcher m = JOB_LINE.matcher(line);
        if (!m.find()) {
            throw new AssertionError("unexpected job line " + line);
        }
        return UUID.fromString(m.group(1));
    }

    // ------------------------------------------------------------------------------ life

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The processes this one started (the commands it runs), as of now. */
    public List<ProcessHandle> descendants() {
        return process.descendants().toList();
    }

    /** Waits for the process to exit and returns its exit code; fails (killing it) after {@code max}. */
    public int awaitExit(Duration max) {
        try {
            if (!process.waitFor(max.toNanos(), TimeUnit.NANOSECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("the process did not exit within " + max + " (killed)\n" + describe());
            }
            outPump.join(TimeUnit.SECONDS.toMillis(30));
            errPump.join(TimeUnit.SECONDS.toMillis(30));
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Exit code and output, once the process has exited. */
    public Result result(int exitCode) {
        return new Result(exitCode, stdoutBytes(), stderr(), command);
    }

    /**
     * SIGTERM to the process only (what {@code kill PID} does). Through its {@link ProcessHandle}:
     * {@link Process#destroy()} sends the same signal but also closes our ends of the pipes, and
     * the output the process writes while it stops would be lost.
     */
    public void sigterm() {
        process.toHandle().destroy();
    }

    /**
     * Crashes the process as {@code kill -9} does: SIGKILL to the JVM only, never to the commands it
     * started, which go on as orphans (as they would after a real crash). To know which orphans it
     * leaves, the JVM is frozen with SIGSTOP first (so it cannot start another command), its
     * descendants are listed, then it gets SIGKILL. Returns the orphans (those still running).
     */
    public List<ProcessHandle> crash() {
        List<ProcessHandle> orphans = List.of();
        if (process.isAlive()) {
            signal("STOP", process.pid());
            orphans = process.descendants().toList();
        }
        process.toHandle().destroyForcibly(); // SIGKILL; keeps our pipes open to read what was written
        awaitExit(COMMAND_TIMEOUT);
        return orphans.stream().filter(BulwarkProcess::running).toList();
    }

    /** Sends a signal with the kill command (Java has no API for SIGSTOP). */
    static boolean signal(String name, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(60, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Alive and not a zombie: an orphan re-parented to a PID 1 that does not reap stays a zombie
     * forever, which {@link ProcessHandle#isAlive()} reports as alive.
     */
    public static boolean running(ProcessHandle p) {
        if (!p.isAlive()) {
            return false;
        }
        if (!PROC) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false; // gone meanwhile
        }
    }

    /** Waits until none of {@code processes} runs any more (orphans finishing their work). */
    public static void awaitGone(Collection<ProcessHandle> processes, Duration max) {
        await(() -> processes.stream().noneMatch(BulwarkProcess::running), max,
                () -> "processes still running: " + processes.stream().filter(BulwarkProcess::running)
                        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
    }

    /**
     * Waits for {@code condition}, checking it every few milliseconds, up to {@code max}. For
     * conditions outside any process we hold a pipe to (files, other processes, the ledger), where
     * there is nothing to be notified by.
     */
    public static void await(BooleanSupplier condition, Duration max, java.util.function.Supplier<String> whatFailed) {
        long deadline = System.nanoTime() + max.toNanos();
        long pause = 5;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + max + ": " + whatFailed.get());
            }
            try {
                Thread.sleep(pause); // polling interval of a condition check, not a wait for an event
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            pause = Math.min(50, pause * 2);
        }
    }

    /** The command line and the output so far, for failure messages. */
    public String describe() {
        String out = new String(stdoutBytes(), StandardCharsets.UTF_8);
        return "command: " + command + "\n--- stderr ---\n" + stderr() + "\n--- stdout ---\n"
                + (out.length() > 4000 ? out.substring(0, 4000) + "..." : out);
    }

    /** Kills the process (and what it started) if a test ended while it still ran. */
    @Override
    public void close() {
        if (process.isAlive()) {
            List<ProcessHandle> tree = process.descendants().toList();
            process.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * How a finished process ended.
     *
     * @param exitCode exit code
     * @param stdout   standard output, as bytes
     * @param stderr   standard error, as text
     * @param command  the command line, for messages
     */
    public record Result(int exitCode, byte[] stdout, String stderr, List<String> command) {

        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** Standard output parsed as one JSON document. */
        public JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("standard output is not JSON: " + e.getMessage() + "\n" + this, e);
            }
        }

        /** Standard output as JSON lines. */
        public List<JsonNode> jsonLines() {
            List<JsonNode> rows = new ArrayList<>();
            for (String line : out().split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                try {
                    rows.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new AssertionError("not a JSON line: " + line + "\n" + this, e);
                }
            }
            return rows;
        }

        /** Fails with the whole output unless the exit code is {@code expected}. */
        public Result expectExit(int expected) {
            if (exitCode != expected) {
                throw new AssertionError("expected exit code " + expected + " but got " + exitCode + "\n" + this);
            }
            return this;
        }

        @Override
        public String toString() {
            String out = out();
            return "command: " + command + "\nexit code: " + exitCode + "\n--- stderr ---\n" + stderr
                    + "\n--- stdout ---\n" + (out.length() > 4000 ? out.substring(0, 4000) + "..." : out);
        }
    }
}
