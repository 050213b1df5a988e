package dev.bulwark.exec;

import dev.bulwark.util.KeyParts;
import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.ErrorClass;
import dev.bulwark.ItemHandler;
import dev.bulwark.StopReason;
import dev.bulwark.ValidationException;
import dev.bulwark.exec.internal.Child;
import dev.bulwark.exec.internal.CommandTemplate;
import dev.bulwark.exec.internal.ItemLog;
import dev.bulwark.exec.internal.Launcher;
import dev.bulwark.exec.internal.ProcessTree;
import dev.bulwark.util.FileNames;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code exec} handler: runs one command per item, as a process started directly (no shell),
 * and classifies how it ended.
 *
 * <h2>The command</h2>
 * The command is {@link ExecSpec#command()} with its placeholders expanded per argument (see
 * {@link CommandTemplate}: {@code {}}, {@code {/}}, {@code {.}}, {@code {/.}}, {@code {//}},
 * {@code {#}}, {@code {%}}, {@code {attempt}}, {@code {job}}; other braced text stays literal; with
 * no placeholder at all the key is appended as the last argument). The key always lands inside
 * one argument, verbatim, whatever characters it holds.
 *
 * <p>With {@link ExecSpec#shell()} the command is one script, run as
 * {@code /bin/sh -c SCRIPT bulwark KEY}: the key is the positional parameter {@code $1}, and is
 * never pasted into the script's text. Placeholders in the script become quoted parameter
 * references: {@code {}} becomes {@code "${1}"} and the others {@code "${BULWARK_...}"}
 * environment variables (without the quotes inside double quotes; left alone inside single
 * quotes). See {@link CommandTemplate#rewriteShellScript(String)}.
 *
 * <h2>The process</h2>
 * <ul>
 *   <li>Working directory: the JVM's current directory (relative keys resolve against it).</li>
 *   <li>The program is looked up on the JVM's {@code PATH} (a {@code PATH} set in the extra
 *       environment applies to the child, not to this lookup).</li>
 *   <li>stdin is {@code /dev/null}; stdout and stderr both go to the item's log file, or are
 *       discarded when the run keeps no logs (see {@link ItemLog}).</li>
 *   <li>On Linux the command is started with one {@code posix_spawn} (through JNA), at the head
 *       of a process group of its own, with no descriptor but 0, 1 and 2, every signal at its
 *       default action: a Ctrl-C on a terminal, or {@code kill} of Bulwark's process group, reaches
 *       Bulwark only, which then stops the commands itself. Elsewhere (or when JNA cannot load)
 *       through {@link ProcessBuilder}, in Bulwark's own group. See {@link Launcher}.</li>
 *   <li>Environment: the JVM's, then the extra environment given to the constructor, without the
 *       attempt's variables below (never inherited, so a nested run cannot leak its own), then
 *       {@code BULWARK_JOB_ID}, {@code BULWARK_ITEM} (the key), {@code BULWARK_ITEM_SEQ},
 *       {@code BULWARK_ATTEMPT}, {@code BULWARK_IDEMPOTENCY_KEY} and {@code BULWARK_SLOT}; in
 *       shell mode also {@code BULWARK_ITEM_BASENAME}, {@code BULWARK_ITEM_NOEXT},
 *       {@code BULWARK_ITEM_BASENAME_NOEXT} and {@code BULWARK_ITEM_DIRNAME}.</li>
 * </ul>
 *
 * <h2>Stopping</h2>
 * When the engine stops the attempt ({@link AttemptContext#stop}: timeout, pause, cancel, halt),
 * the whole process tree (and the command's process group) gets TERM, then KILL after
 * {@link ExecSpec#killGrace()} ({@link ProcessTree}). The engine's thread only starts that; this
 * handler's thread waits until the tree is gone and then returns. Interrupting the handler's
 * thread does the same.
 *
 * <h2>Classification</h2>
 * <ul>
 *   <li>exit 0: success;</li>
 *   <li>stopped with reason TIMEOUT: TRANSIENT, category {@code timeout}, message
 *       {@code timed out after 30s}; stopped for any other reason (or interrupted): TRANSIENT,
 *       category {@code interrupted} (the engine records the attempt as interrupted). Once the
 *       tree was signalled the exit code no longer says anything about the work, so this wins
 *       even over exit 0;</li>
 *   <li>an exit code in {@link ExecSpec#permanentExit()}: PERMANENT, category {@code exit:N};
 *       in {@link ExecSpec#criticalExit()}: CRITICAL, {@code exit:N};</li>
 *   <li>129 to 192 (128 + signal number, as Java and the shells report a death by signal):
 *       TRANSIENT, category {@code signal:KILL}, {@code signal:SEGV}, … (or {@code signal:N}).
 *       A program that really exits with such a code is indistinguishable; list the code in
 *       permanent/critical exits to classify it otherwise. Where the command shares Bulwark's
 *       process group (the {@link ProcessBuilder} fallback), a death by HUP, INT or TERM first
 *       waits up to a second for the engine's stop: a Ctrl-C reaches both at once, and an attempt
 *       stopped by a pause is interrupted, not failed;</li>
 *   <li>any other non-zero exit: TRANSIENT, category {@code exit:N} (so {@code exit:75},
 *       EX_TEMPFAIL, is retried like the rest);</li>
 *   <li>the process cannot be started (program not found, not executable, bad working
 *       directory): PERMANENT, category {@code spawn}, with the program and the OS error.
 *       Retrying would spawn the same missing program again, so it is not retried; a
 *       misconfigured command fails every item, which a failure threshold or breaker stops;</li>
 *   <li>an argument that no process can receive — a key with a NUL character, or, when the JVM
 *       runs under a non-UTF-8 locale (C/POSIX), a character its platform encoding cannot
 *       represent (Java would silently pass {@code ?} instead): PERMANENT, category
 *       {@code spawn}, before anything runs;</li>
 *   <li>the item log cannot be written: TRANSIENT, category {@code log} (a full disk may clear).</li>
 * </ul>
 * Failure messages are {@code exit code N} followed by the last non-blank line of the output,
 * when there is a log.
 *
 * <p>Thread-safe: the command is compiled once; each call only uses its own state.
 */
public final class ExecHandler implements ItemHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ExecHandler.class);
    private static final String SHELL = Files.isExecutable(Path.of("/bin/sh")) ? "/bin/sh" : "sh";
    /** The charset Java encodes process arguments with, or null when it can encode everything. */
    private static final Charset ARGV_CHARSET = argvCharset();
    /** Deaths by SIGHUP, SIGINT and SIGTERM: what a terminal, {@code kill} of a group or a service manager sends. */
    private static final Set<Integer> TERMINAL_SIGNAL_DEATHS = Set.of(128 + 1, 128 + 2, 128 + 15);
    /** How long such a death waits for the engine's stop when the command shares Bulwark's group. */
    private static final Duration SIGNAL_RACE = Duration.ofSeconds(1);
    /** Extra time to wait for the tree after the grace period, for KILL to take effect. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(3);

    private static Charset argvCharset() {
        try {
            Charset charset = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
            return charset.name().startsWith("UTF-") ? null : charset;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The variables each attempt sets for itself. They are removed from the base environment, so a
     * command never sees one inherited from Bulwark's own environment (a nested run, say).
     */
    static final Set<String> ATTEMPT_VARIABLES = Set.of("BULWARK_JOB_ID", "BULWARK_ITEM", "BULWARK_ITEM_SEQ",
            "BULWARK_ATTEMPT", "BULWARK_IDEMPOTENCY_KEY", "BULWARK_SLOT", "BULWARK_PAYLOAD", "BULWARK_SCOPE",
            "BULWARK_ITEM_BASENAME", "BULWARK_ITEM_NOEXT", "BULWARK_ITEM_BASENAME_NOEXT", "BULWARK_ITEM_DIRNAME");

    private final ExecSpec spec;
    private final CommandTemplate template;
    private final String shellScript;
    private final Launcher launcher;
    /** The extra environment given to the constructor (the base environment holds it too). */
    private final Map<String, String> extraEnvironment;

    public ExecHandler(ExecSpec spec) {
        this(spec, Map.of());
    }

    /**
     * @param spec        what to run
     * @param environment extra environment variables for every attempt (the {@code BULWARK_*}
     *                    ones are set after these and win)
     */
    public ExecHandler(ExecSpec spec, Map<String, String> environment) {
        this.spec = Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(environment, "environment");
        environment.forEach((name, value) -> {
            ValidationException.require(name != null && !name.isEmpty() && name.indexOf('=') < 0 && name.indexOf('\0') < 0,
                    "environment variable names must be non-empty without '=' or NUL, but got '" + name + "'");
            ValidationException.require(value != null && value.indexOf('\0') < 0,
                    "environment variable " + name + " must have a value without NUL characters");
        });
        this.extraEnvironment = new LinkedHashMap<>(environment);
        Map<String, String> base = new HashMap<>(System.getenv());
        base.putAll(environment);
        this.launcher = Launcher.create(base, ATTEMPT_VARIABLES);
        if (spec.shell()) {
            this.shellScript = CommandTemplate.rewriteShellScript(spec.command().get(0));
            this.template = null;
        } else {
            this.shellScript = null;
            this.template = CommandTemplate.compile(spec.command());
        }
    }

    public ExecSpec spec() {
        return spec;
    }

    /**
     * Kills (SIGKILL to their process groups) the commands of every exec handler of this JVM that
     * are still running, without recording anything: for a process about to exit at once (a
     * second Ctrl-C). Their attempts stay running in the ledger; {@code resume} records them as
     * interrupted. Commands in groups of their own would otherwise outlive Bulwark. Commands
     * started by the {@link ProcessBuilder} fallback share Bulwark's group and got the signal already.
     */
    public static void killRunningCommands() {
        Launcher.killAllGroups();
    }

    /** The argv this handler runs for an attempt (for dry runs and logs). */
    public List<String> command(AttemptContext ctx) {
        if (shellScript != null) {
            return List.of(SHELL, "-c", shellScript, "bulwark", ctx.key());
        }
        return template.expand(ctx.key(), ctx.seq(), ctx.slot(), ctx.attempt(), ctx.jobId());
    }

    @Override
    public AttemptResult handle(AttemptContext ctx) {
        StopReason early = ctx.stopReason();
        if (early != null) {
            return stopped(early, ctx, null);
        }
        List<String> argv = command(ctx);
        long started = System.nanoTime();

        ItemLog log = null;
        if (ctx.logFile() != null) {
            try {
                Instant time = ctx.startedAt() != null ? ctx.startedAt() : Instant.now();
                log = ItemLog.begin(ctx.logFile(), ItemLog.header(ctx.jobId(), ctx.seq(), ctx.key(), ctx.item().scope(),
                        ctx.attempt(), time, argv));
            } catch (IOException e) {
                return dev.bulwark.engine.OwnIoFault.itemLog(ctx.logFile(), e);
            }
        }
        try {
            return run(ctx, argv, log, started);
        } finally {
            if (log != null) {
                try {
                    log.close();
                } catch (IOException e) {
                    LOG.warn("cannot close item log {}: {}", log.file(), e.toString());
                }
            }
        }
    }

    private AttemptResult run(AttemptContext ctx, List<String> argv, ItemLog log, long started) {
        Child process;
        try {
            checkEncodable(argv);
            process = launcher.start(argv, attemptEnvironment(ctx), log == null ? null : log.file());
        } catch (IOException | IllegalArgumentException e) {
            AttemptResult result = AttemptResult.failure(ErrorClass.PERMANENT, "spawn", spawnMessage(argv.get(0), e));
            try {
                finish(log, null, started, result, false);
            } catch (IOException logError) {
                return dev.bulwark.engine.OwnIoFault.itemLog(log.file(), logError);
            }
            return result;
        }

        Stopper stopper = new Stopper(process, spec.killGrace());
        ctx.onStop(stopper);
        boolean interrupted = false;
        int exit;
        try {
            exit = process.waitFor();
        } catch (InterruptedException e) {
            interrupted = true;
            stopper.run();
            exit = awaitExit(process);
        }
        if (stopper.signalled()) {
            // wait for the rest of the tree too, so nothing writes into the log after the trailer
            interrupted |= stopper.awaitTree(spec.killGrace().plus(KILL_WAIT));
        }
        AttemptResult result;
        if (stopper.signalled() || interrupted) {
            result = stopped(ctx.stopReason(), ctx, exit);
        } else if (!process.ownGroup() && TERMINAL_SIGNAL_DEATHS.contains(exit) && stopper.awaitStop(SIGNAL_RACE)) {
            // In Bulwark's own process group (the ProcessBuilder fallback), a Ctrl-C or kill of the group
            // reaches the command at the same moment as Bulwark, whose pause then comes a moment later.
            interrupted |= Thread.interrupted();
            result = stopped(ctx.stopReason(), ctx, exit);
        } else {
            result = classify(exit);
        }
        boolean wantLastLine = !result.succeeded() && !stopper.signalled() && !interrupted;
        // The log is finished with the interrupt flag clear: an interrupted thread cannot use a FileChannel.
        interrupted |= Thread.interrupted();
        String lastLine = null;
        AttemptResult logFault = null;
        try {
            lastLine = finish(log, exit, started, result, wantLastLine);
        } catch (IOException e) { // the log is incomplete: Bulwark's fault, not the item's (the engine pauses the job)
            logFault = dev.bulwark.engine.OwnIoFault.itemLog(log.file(), e);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (logFault != null) {
            return logFault;
        }
        if (lastLine != null && !result.succeeded()) {
            result = new AttemptResult(false, result.errorClass(), result.category(), result.message() + ": " + lastLine,
                    result.exitCode());
        }
        return result;
    }

    /**
     * Java encodes arguments in the platform encoding ({@code sun.jnu.encoding}), which follows the
     * locale: under the C/POSIX locale it is ASCII and every other character silently becomes
     * {@code ?}. Running a command on such a mangled key would touch the wrong file, so refuse.
     */
    private static void checkEncodable(List<String> argv) {
        if (ARGV_CHARSET == null) {
            return;
        }
        for (String arg : argv) {
            for (int i = 0; i < arg.length(); i++) {
                if (arg.charAt(i) >= 0x80) {
                    if (!ARGV_CHARSET.newEncoder().canEncode(FileNames.withoutRawBytes(arg))) { // raw bytes pass as they are
                        throw new IllegalArgumentException("the argument '" + FileNames.escape(arg) + "' cannot be passed to a process in the JVM's"
                                + " platform encoding " + ARGV_CHARSET + " (the locale is not UTF-8): start Bulwark with a UTF-8"
                                + " locale, for example LANG=C.UTF-8");
                    }
                    break;
                }
            }
        }
    }

    /**
     * The variables an attempt gets on top of the inherited environment: the extra environment and
     * the {@code BULWARK_*} variables (for dry runs that show them).
     */
    public Map<String, String> environment(AttemptContext ctx) {
        Map<String, String> env = new LinkedHashMap<>(extraEnvironment);
        env.putAll(attemptEnvironment(ctx));
        return env;
    }

    /** The attempt's own variables (names in {@link #ATTEMPT_VARIABLES}); they win over the base environment. */
    private Map<String, String> attemptEnvironment(AttemptContext ctx) {
        Map<String, String> env = new LinkedHashMap<>(16);
        String key = ctx.key();
        if (key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the item key contains a NUL character, which no command line can hold");
        }
        env.put("BULWARK_JOB_ID", String.valueOf(ctx.jobId()));
        env.put("BULWARK_ITEM", key);
        env.put("BULWARK_ITEM_SEQ", Long.toString(ctx.seq()));
        env.put("BULWARK_ATTEMPT", Integer.toString(ctx.attempt()));
        env.put("BULWARK_IDEMPOTENCY_KEY", ctx.idempotencyKey());
        env.put("BULWARK_SLOT", Integer.toString(ctx.slot()));
        if (ctx.item().payload() != null) {
            env.put("BULWARK_PAYLOAD", ctx.item().payload());
        }
        if (ctx.item().scope() != null) {
            env.put("BULWARK_SCOPE", ctx.item().scope());
        }
        if (shellScript != null) {
            String base = KeyParts.basename(key);
            env.put("BULWARK_ITEM_BASENAME", base);
            env.put("BULWARK_ITEM_NOEXT", KeyParts.removeExtension(key));
            env.put("BULWARK_ITEM_BASENAME_NOEXT", KeyParts.removeExtension(base));
            env.put("BULWARK_ITEM_DIRNAME", KeyParts.dirname(key));
        }
        return env;
    }

    private AttemptResult classify(int exit) {
        if (exit == 0) {
            return AttemptResult.success(0);
        }
        String category = "exit:" + exit;
        if (spec.permanentExit().contains(exit)) {
            return AttemptResult.failure(ErrorClass.PERMANENT, category, "exit code " + exit, exit);
        }
        if (spec.criticalExit().contains(exit)) {
            return AttemptResult.failure(ErrorClass.CRITICAL, category, "exit code " + exit, exit);
        }
        if (exit > 128 && exit <= 128 + 64) {
            String signal = signalName(exit - 128);
            return AttemptResult.failure(ErrorClass.TRANSIENT, "signal:" + signal,
                    "killed by signal " + signal + " (exit code " + exit + ")", exit);
        }
        return AttemptResult.failure(ErrorClass.TRANSIENT, category, "exit code " + exit, exit);
    }

    private static AttemptResult stopped(StopReason reason, AttemptContext ctx, Integer exit) {
        if (reason == StopReason.TIMEOUT) {
            String message = ctx.timeout() == null ? "timed out" : "timed out after " + dev.bulwark.util.Durations.format(ctx.timeout());
            return AttemptResult.failure(ErrorClass.TRANSIENT, "timeout", message, exit);
        }
        String why = reason == null ? "the handler thread was interrupted" : reason.name().toLowerCase(Locale.ROOT);
        return AttemptResult.failure(ErrorClass.TRANSIENT, "interrupted", "stopped: " + why, exit);
    }

    /**
     * Ends the log: truncation to the cap, trailer. Returns the last output line when
     * {@code wantLastLine} and there is one.
     *
     * @throws IOException when the log cannot be written (a full disk): the command's output is lost
     */
    private String finish(ItemLog log, Integer exit, long started, AttemptResult result, boolean wantLastLine) throws IOException {
        if (log == null) {
            return null;
        }
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        String lastLine = null;
        if (exit == null) {
            log.note("spawn failed: " + result.message());
        } else {
            log.endOutput(spec.outputCap());
            if (wantLastLine) {
                lastLine = log.lastOutputLine();
            }
        }
        log.trailer(trailer(exit, durationMs, result));
        return lastLine;
    }

    private static String trailer(Integer exit, long durationMs, AttemptResult result) {
        StringBuilder sb = new StringBuilder(80);
        sb.append("exit=").append(exit == null ? "-" : exit.toString()).append(" duration_ms=").append(durationMs).append(" outcome=");
        if (result.succeeded()) {
            return sb.append("succeeded").toString();
        }
        String outcome = switch (result.category()) {
            case "timeout" -> "timeout";
            case "interrupted" -> "interrupted";
            default -> "failed";
        };
        return sb.append(outcome).append(" class=").append(result.errorClass()).append(" category=").append(result.category()).toString();
    }

    private static String spawnMessage(String program, Exception e) {
        if (e instanceof IllegalArgumentException) {
            return "cannot start " + program + ": " + e.getMessage();
        }
        return "cannot start program \"" + program + "\": " + e.getMessage();
    }

    /** After an interrupt: the tree is being terminated; wait for the root without giving up on an interrupt. */
    private int awaitExit(Child process) {
        long deadline = System.nanoTime() + spec.killGrace().plus(KILL_WAIT).toNanos();
        while (true) {
            try {
                long left = deadline - System.nanoTime();
                return process.waitFor(Duration.ofNanos(Math.max(left, 0)));
            } catch (InterruptedException again) {
                // keep waiting: the interrupt is restored by the caller
            }
        }
    }

    /** Signal names for 128+N exit codes; the numbers that differ between Linux and macOS are picked per OS. */
    static String signalName(int signal) {
        boolean mac = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac");
        return switch (signal) {
            case 1 -> "HUP";
            case 2 -> "INT";
            case 3 -> "QUIT";
            case 4 -> "ILL";
            case 5 -> "TRAP";
            case 6 -> "ABRT";
            case 7 -> mac ? "EMT" : "BUS";
            case 8 -> "FPE";
            case 9 -> "KILL";
            case 10 -> mac ? "BUS" : "USR1";
            case 11 -> "SEGV";
            case 12 -> mac ? "SYS" : "USR2";
            case 13 -> "PIPE";
            case 14 -> "ALRM";
            case 15 -> "TERM";
            case 24 -> "XCPU";
            case 25 -> "XFSZ";
            case 30 -> mac ? "USR1" : "PWR";
            case 31 -> mac ? "USR2" : "SYS";
            default -> Integer.toString(signal);
        };
    }

    /** The stop callback: starts terminating the tree once, if the process still runs. */
    private static final class Stopper implements Runnable {
        private final Child process;
        private final Duration grace;
        private final AtomicBoolean fired = new AtomicBoolean();
        private final CompletableFuture<Void> treeGone = new CompletableFuture<>();
        private volatile boolean signalled;

        Stopper(Child process, Duration grace) {
            this.process = process;
            this.grace = grace;
        }

        @Override
        public void run() {
            if (!fired.compareAndSet(false, true)) {
                return;
            }
            if (!process.isAlive()) {
                treeGone.complete(null);
                return;
            }
            signalled = true;
            ProcessTree.terminate(process, grace).whenComplete((ok, error) -> treeGone.complete(null));
        }

        /**
         * Waits (bounded) for a stop to come, for a process that already ended; true when it came (or
         * the thread was interrupted, which is a stop too: the interrupt flag is then set again).
         */
        boolean awaitStop(Duration max) {
            try {
                treeGone.get(max.toNanos(), TimeUnit.NANOSECONDS);
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            } catch (ExecutionException | TimeoutException e) {
                return false;
            }
        }

        /** Whether the process was still running when the stop came, so it was signalled. */
        boolean signalled() {
            return signalled;
        }

        /** Waits (bounded) for the tree to be gone; returns whether the thread was interrupted meanwhile. */
        boolean awaitTree(Duration max) {
            boolean interrupted = false;
            long deadline = System.nanoTime() + max.toNanos();
            while (true) {
                try {
                    treeGone.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    return interrupted;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException | TimeoutException e) {
                    return interrupted;
                }
            }
        }
    }
}
