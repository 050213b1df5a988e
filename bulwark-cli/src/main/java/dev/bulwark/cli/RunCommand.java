package dev.bulwark.cli;

import dev.bulwark.AttemptContext;
import dev.bulwark.Engine.ItemSpec;
import dev.bulwark.FailureThreshold;
import dev.bulwark.HaltMode;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.ScopeTemplate;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.BulwarkException;
import dev.bulwark.JobConfig;
import dev.bulwark.RetryPolicy;
import dev.bulwark.ValidationException;
import dev.bulwark.cli.input.ArgumentSource;
import dev.bulwark.cli.input.DirectorySource;
import dev.bulwark.cli.input.ItemSource;
import dev.bulwark.cli.input.LineFileSource;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.exec.ExecSpec;
import dev.bulwark.util.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bulwark run}: accepts a batch into the ledger and runs a command on every item (and, through {@link SubmitCommand}, {@code submit}). */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs COMMAND once per item, with retries, timeouts and a durable ledger.",
                "Items come from exactly one of --input, --items or --items-jsonl. Without a placeholder the item is "
                        + "appended as the last argument. Placeholders: {} item, {/} basename, {.} without extension, "
                        + "{/.} basename without extension, {//} directory, {#} sequence (1-based), {%%} slot, "
                        + "{attempt} attempt number, {job} job id.",
                "The command runs without a shell (arguments passed as they are) unless --shell is given."},
        footer = {"", "Ctrl-C (SIGINT), SIGTERM or SIGHUP pauses the job: running commands are stopped, their attempts",
                "recorded as interrupted (not failed), exit code 4; 'bulwark resume JOB' goes on. The commands run in",
                "process groups of their own, so only Bulwark gets the terminal's signal. A second press, half a second",
                "or more later, kills them and exits at once (130).",
                "", "Examples:",
                "  bulwark run --input photos --glob '*.jpg' --concurrency 4 -- convert {} -resize 50%% out/{/}",
                "  bulwark run --items hosts.txt --timeout 30s --retries 5 -- ssh -o BatchMode=yes {} uptime",
                "  bulwark run --input logs --shell -- 'gzip -c \"$1\" > \"$1.gz\"'"})
public class RunCommand extends HomeCommand {

    @Mixin
    LogOptions logOptions;

    @Mixin
    OutputOptions outputOptions;

    @Option(names = "--input", paramLabel = "DIR", description = "Run over the regular files in DIR.")
    Path input;

    @Option(names = "--glob", paramLabel = "PATTERN", description = "With --input: only files whose name matches (default: *; a pattern with / matches the path below DIR).")
    String glob;

    @Option(names = "--recursive", description = "With --input: descend into subdirectories.")
    boolean recursive;

    @Option(names = "--items", paramLabel = "FILE", description = "Run over the lines of FILE (one item per line; - for standard input; bytes that are not UTF-8 are kept, as in file names).")
    String items;

    @Option(names = {"-0", "--null"}, description = "With --items: items are separated by NUL characters, not lines (as find -print0 "
            + "and xargs -0 use them), so a key may hold line breaks.")
    boolean nulSeparated;

    @Option(names = "--items-jsonl", paramLabel = "FILE", description = "Run over JSON objects, one per line: {\"key\": ..., \"payload\": {...}, \"scope\": ...} (- for standard input).")
    String itemsJsonl;

    @Option(names = {"--concurrency", "-j"}, paramLabel = "N|N%", defaultValue = "1", description = "Items run at the same time (1-10000), "
            + "or N%% of this machine's processors (at least 1). -j is GNU parallel's name for it. Default: ${DEFAULT-VALUE}.")
    String concurrencyText;

    /** The concurrency chosen, once {@link #config()} has read it. */
    int concurrency;

    @Option(names = "--ordered", description = "Strict order: each item starts only after the previous one finished (needs --concurrency 1).")
    boolean ordered;

    @Option(names = "--ordered-by", paramLabel = "TEMPLATE", description = "Strict order per scope: the items of one scope "
            + "(e.g. '{//}', their folder, or '{host}', a payload field of --items-jsonl) run one after another in their order, "
            + "each after the previous one of its scope has its final outcome; different scopes run side by side up to --concurrency.")
    String orderedBy;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "2", description = "Retries after a transient failure (0-999). Default: ${DEFAULT-VALUE}.")
    int retries;

    @Option(names = "--backoff", paramLabel = "DURATION", defaultValue = "1s", description = "Delay before the first retry; doubles each retry, with 20%% jitter. Default: ${DEFAULT-VALUE}.")
    String backoff;

    @Option(names = "--backoff-max", paramLabel = "DURATION", defaultValue = "1m", description = "Longest delay between retries. Default: ${DEFAULT-VALUE}.")
    String backoffMax;

    @Option(names = "--timeout", paramLabel = "DURATION|N%", description = "Time limit per attempt; the whole process tree is stopped (TERM, then KILL after --kill-grace). "
            + "N%% is relative to the median duration of the job's recent successful attempts (no limit until the first success). Default: none.")
    String timeout;

    @Option(names = "--kill-grace", paramLabel = "DURATION", defaultValue = "5s", description = "Time between TERM and KILL when an attempt is stopped. Default: ${DEFAULT-VALUE}.")
    String killGrace;

    @Option(names = "--max-failures", paramLabel = "N|N%", description = "Halt the job (remaining items skipped, job FAILED) when N items, or N%% of them, have failed.")
    String maxFailures;

    @Option(names = "--stop-on-first-failure", description = "Halt the job as soon as one item has failed (after its retries).")
    boolean stopOnFirstFailure;

    @Option(names = "--halt", paramLabel = "now|soon", description = "How a halted job stops (breaker in halt mode, job timeout, --max-failures, "
            + "--stop-on-first-failure): now stops running attempts, soon lets them finish. Default: now.")
    String halt;

    @Option(names = "--job-timeout", paramLabel = "DURATION", description = "Time budget of a run of the job; when it runs out the job halts "
            + "(reason job-timeout). With --job-timeout-per-item the budget grows with the batch.")
    String jobTimeout;

    @Option(names = "--job-timeout-per-item", paramLabel = "DURATION", description = "Added to the job's time budget for every item "
            + "still to run when a run starts.")
    String jobTimeoutPerItem;

    @Option(names = "--breaker", paramLabel = "SPEC", description = "A circuit breaker per scope: consecutive=N, failures=N,window=D or "
            + "rate=P%%,min-calls=N,window=D, each optionally with ,slow=D (slower attempts count as failures).")
    String breaker;

    @Option(names = "--breaker-scope", paramLabel = "TEMPLATE", description = "The scope of an item, e.g. '{//}' (its folder) or '{host}' "
            + "(a payload field of --items-jsonl). Default: the item's own scope (JSON lines), else one scope for the whole job.")
    String breakerScope;

    @Option(names = "--breaker-open", paramLabel = "SPEC", description = "How long an opened breaker stays open, as DURATION[,grow=F,max=DURATION]: "
            + "optionally growing by the factor F on each re-open, up to max (e.g. 30s,grow=2,max=10m); or manual: open until "
            + "'bulwark breaker reset', never sending a trial by itself. Default: 60s.")
    String breakerOpen;

    @Option(names = "--breaker-trials", paramLabel = "N", description = "Trial calls let through when half-open; all must succeed "
            + "to close it. Default: 1.")
    Integer breakerTrials;

    @Option(names = "--breaker-count", paramLabel = "CLASSES|CATEGORIES", split = ",", description = "What a breaker counts: error "
            + "classes (transient, permanent, critical) and/or failure categories (timeout, exit:75, connect, http:5* - a trailing * "
            + "matches any rest); a failure counts when its class or its category is named. Default: transient,critical (a permanent "
            + "failure, such as an HTTP 404, is about its item, not the scope).")
    List<String> breakerCount;

    @Option(names = "--breaker-shared", description = "Make the scopes' breakers the ledger's named, shared breakers: the breaker "
            + "of scope m1 is the ledger's breaker m1, shared by every job, direct call and process on that ledger "
            + "(bulwark breaker list shows them). The ledger keeps the policy a breaker was first created with.")
    boolean breakerShared;

    @Option(names = "--on-open", paramLabel = "pause|halt|fail", description = "When a scope's breaker opens: pause its items "
            + "(no attempts used; other scopes go on), halt the job, or fail its items at once (category breaker-open). Default: pause.")
    String onOpen;

    @Option(names = "--on-critical", paramLabel = "stop|rollback", description = "After a critical failure the job stops; with "
            + "rollback, --compensate then runs for every item that had succeeded, newest first. Default: stop.")
    String onCritical;

    @Option(names = "--compensate", paramLabel = "COMMAND", description = "With --on-critical rollback: the command that undoes an item, "
            + "one string split into arguments like a shell would (quotes, no expansion), with the same placeholders, e.g. 'rm -f out/{/}'. "
            + "With --shell it is a sh script and the item is $1.")
    String compensate;

    @Option(names = "--permanent-exit", paramLabel = "CODES", split = ",", description = "Exit codes that mean a permanent failure (no retry), e.g. 2,65. Any other non-zero exit is transient.")
    List<Integer> permanentExit;

    @Option(names = "--critical-exit", paramLabel = "CODES", split = ",", description = "Exit codes that mean a critical failure: the job halts at once, e.g. 99.")
    List<Integer> criticalExit;

    @Option(names = "--shell", description = "Run COMMAND as a sh script; the item is its positional parameter $1 (never spliced into the script).")
    boolean shell;

    @Option(names = "--job-name", paramLabel = "NAME", description = "A name for the job (default: the input's name).")
    String jobName;

    @Option(names = "--dry-run", description = "Print the commands that would run; run nothing and record nothing.")
    boolean dryRun;

    @Option(names = "--quiet", description = "No progress display (the summary is still printed).")
    boolean quiet;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command and its arguments, after --.")
    List<String> command;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = logOptions.start(err());
        outputOptions.check(); // refused before anything is read
        JobConfig config = config();
        Path spool = null;
        try {
            ItemSource source;
            int chosen = (input != null ? 1 : 0) + (items != null ? 1 : 0) + (itemsJsonl != null ? 1 : 0) + (arguments != null ? 1 : 0);
            ValidationException.require(chosen == 1, chosen == 0
                    ? "no items: give --input DIR, --items FILE, --items-jsonl FILE or ::: ITEM..."
                    : "give only one of --input, --items, --items-jsonl and ::: ITEM...");
            ValidationException.require(input != null || (glob == null && !recursive),
                    "--glob and --recursive go with --input DIR");
            ValidationException.require(!nulSeparated || items != null, "--null goes with --items FILE (keys separated by NUL)");
            if (arguments != null) {
                source = new ArgumentSource(arguments);
            } else if (input != null) {
                Set<String> warned = new HashSet<>(); // each input is read twice: warn once
                source = new DirectorySource(input, glob, recursive, w -> {
                    if (warned.add(w)) {
                        err.println("bulwark: warning: " + Views.printable(w));
                    }
                });
            } else {
                boolean jsonl = itemsJsonl != null;
                String file = jsonl ? itemsJsonl : items;
                Path path;
                if (file.equals("-")) {
                    spool = spoolStdin();
                    path = spool;
                } else {
                    path = Path.of(file);
                }
                source = nulSeparated ? LineFileSource.nulSeparated(path, file) : new LineFileSource(path, file, jsonl);
            }
            if (breakerScope != null) {
                ScopeTemplate scopes = ScopeTemplate.compile(breakerScope);
                source = ItemSource.mapped(source, scopes::apply);
            }
            ScopeTemplate order = config.orderTemplate(); // checked with the rest of the configuration, before anything is read
            if (order != null) {
                source = ItemSource.mapped(source, item -> item.withOrderKey(order.scopeOf(item)));
            }
            long count = countAndValidate(source);
            if (count == 0) {
                throw new ValidationException("no items found in " + describe(source) + ": nothing to run");
            }
            config = config.withInput(new LinkedHashMap<>(source.describe()));
            String name = jobName != null ? jobName : source.defaultName();
            ValidationException.require(!name.isBlank() && name.length() <= 200,
                    "--job-name must be 1 to 200 characters, but was '" + name + "'");
            if (dryRun) {
                return dryRun(source, config, count, spec.commandLine().getOut());
            }
            return accept(name, config, source, err);
        } finally {
            if (spool != null) {
                Files.deleteIfExists(spool);
            }
        }
    }

    /** Takes the validated batch: {@code run} stores it and runs it in this process. */
    int accept(String name, JobConfig config, ItemSource source, PrintWriter err) {
        try (JobSession session = JobSession.open(homeOptions, spec.commandLine().getOut(), err, !quiet && !logOptions.json(), outputOptions)) {
            Job job;
            try (ItemSource.Cursor cursor = source.open()) {
                job = session.engine().submit(name, config, cursor);
            }
            err.println("bulwark: job " + job.id() + " (" + name + "): " + job.total() + " items, concurrency "
                    + config.concurrency() + ", retries " + config.retry().retries()
                    + (TimeoutSpec.of(config).none() ? "" : ", timeout " + TimeoutSpec.of(config).describe()));
            err.flush();
            ExecHandler handler = new ExecHandler(config.exec());
            return session.execute(job.id(), engine -> engine.run(job.id(), outputOptions.paced(handler)));
        }
    }

    /** Items given after {@code :::} in the command, or null; set by {@link #config()}, which takes them off the command. */
    List<String> arguments;

    private JobConfig config() {
        int separator = command == null ? -1 : command.indexOf(":::");
        if (separator >= 0) {
            arguments = List.copyOf(command.subList(separator + 1, command.size()));
            ValidationException.require(!arguments.isEmpty(), "::: must be followed by the items, e.g. -- gzip -k ::: a.log b.log");
            ValidationException.require(!arguments.contains(":::"), "only one ::: list is supported (GNU parallel's combinations of "
                    + "several lists are not)");
            command = List.copyOf(command.subList(0, separator));
        }
        ValidationException.require(command != null && !command.isEmpty(),
                "a command is required after '--', for example: bulwark run --input DIR -- gzip -k {}");
        checkRetries(retries);
        Duration initial = Durations.parse(backoff, "--backoff");
        Duration max = Durations.parse(backoffMax, "--backoff-max");
        checkBackoff(initial, max, backoff, backoffMax);
        TimeoutSpec attemptTimeout = TimeoutSpec.parse(timeout);
        Duration grace = Durations.parse(killGrace, "--kill-grace");
        concurrency = checkedConcurrency(concurrencyText);
        ValidationException.require(!ordered || concurrency == 1,
                "--ordered runs one item at a time, so it needs --concurrency 1, but --concurrency was " + concurrency);
        ExecSpec exec = new ExecSpec(command, shell, codes(permanentExit), codes(criticalExit), grace, ExecSpec.DEFAULT_OUTPUT_CAP);
        new ExecHandler(exec); // validates the command template (placeholders, shell script) now
        if (!shell && resolvesProgramHere()) {
            Programs.requireRunnable(command, spec.commandLine().getParseResult().originalArgs(), System.getenv("PATH"));
        }
        FailureThreshold threshold = maxFailures == null ? null : FailureThreshold.parse(maxFailures);
        return JobConfig.builder().concurrency(concurrency).ordered(ordered).orderedBy(orderedBy)
                .retry(RetryPolicy.exponential(retries, initial, max)).attemptTimeout(attemptTimeout.duration()).attemptTimeoutPercent(attemptTimeout.percent())
                .failureThreshold(threshold).exec(exec).breaker(breakerConfig())
                .halt(halt == null ? HaltMode.NOW : Options.choice(halt, "--halt", HaltMode.class))
                .jobTimeout(jobTimeout == null ? null : Durations.parse(jobTimeout, "--job-timeout"))
                .jobTimeoutPerItem(jobTimeoutPerItem == null ? null : Durations.parse(jobTimeoutPerItem, "--job-timeout-per-item"))
                .stopOnFirstFailure(stopOnFirstFailure)
                .compensate(compensation(grace))
                .build();
    }

    /** {@code N}, or {@code N%} of {@code processors} rounded down (at least 1), as in GNU parallel's {@code -j}. */
    static int concurrency(String text, int processors) {
        String t = text.trim();
        boolean percent = t.endsWith("%");
        String digits = percent ? t.substring(0, t.length() - 1) : t;
        ValidationException.require(digits.matches("\\d{1,9}"), "--concurrency (-j) must be a number N or a share of the processors "
                + "N%, such as 4 or 50%, but was '" + text + "'");
        long n = Long.parseLong(digits);
        if (!percent) {
            return (int) n;
        }
        ValidationException.require(n >= 1 && n <= 100_000, "--concurrency (-j) " + text + ": the share must be between 1% and 100000%");
        return (int) Math.max(1, n * processors / 100);
    }

    /** {@code --concurrency} of run, or of resume and retry-failed: N or N%, checked against the engine's limit. */
    static int checkedConcurrency(String text) {
        int n = concurrency(text, Runtime.getRuntime().availableProcessors());
        ValidationException.require(n >= 1 && n <= JobConfig.MAX_CONCURRENCY,
                "--concurrency must be between 1 and " + JobConfig.MAX_CONCURRENCY + ", but was " + n);
        return n;
    }

    /** Refuses a {@code --retries} out of 0-999. */
    static void checkRetries(int retries) {
        ValidationException.require(retries >= 0 && retries <= 999, "--retries must be between 0 and 999, but was " + retries);
    }

    /** Refuses a {@code --backoff-max} shorter than {@code --backoff}; the message shows them as {@code shownInitial} and {@code shownMax}. */
    static void checkBackoff(Duration initial, Duration max, String shownInitial, String shownMax) {
        ValidationException.require(max.compareTo(initial) >= 0, "--backoff-max (" + shownMax
                + ") must not be shorter than --backoff (" + shownInitial + ")");
    }

    /** The compensation command of --on-critical rollback, or null. */
    private ExecSpec compensation(Duration grace) {
        boolean rollback = onCritical != null && Options.choice(onCritical, "--on-critical", OnCritical.class) == OnCritical.ROLLBACK;
        if (!rollback) {
            ValidationException.require(compensate == null, "--compensate goes with --on-critical rollback");
            return null;
        }
        ValidationException.require(compensate != null && !compensate.isBlank(),
                "--on-critical rollback needs --compensate COMMAND, the command that undoes one item, e.g. --compensate 'rm -f out/{/}'");
        List<String> argv = shell ? List.of(compensate) : Options.words(compensate, "--compensate");
        ExecSpec spec = new ExecSpec(argv, shell, Set.of(), Set.of(), grace, ExecSpec.DEFAULT_OUTPUT_CAP);
        new ExecHandler(spec); // validates the template now
        return spec;
    }

    /** What a critical failure does. */
    enum OnCritical { STOP, ROLLBACK }

    /** The breaker options, checked together; null without --breaker. */
    /** {@code policy} with the open time of --breaker-open and the trials of --breaker-trials, when given. */
    static BreakerPolicy refined(BreakerPolicy policy, String open, Integer trials) {
        BreakerPolicy refined = open == null ? policy : policy.withOpen(open);
        if (trials != null) {
            ValidationException.require(trials >= 1 && trials <= 1000, "--breaker-trials must be between 1 and 1000, but was " + trials);
            refined = refined.withTrials(trials);
        }
        return refined;
    }

    private BreakerConfig breakerConfig() {
        if (breaker == null) {
            ValidationException.require(breakerScope == null && breakerOpen == null && breakerTrials == null
                    && breakerCount == null && onOpen == null && !breakerShared,
                    "--breaker-scope, --breaker-open, --breaker-trials, --breaker-count, --breaker-shared and --on-open go with --breaker SPEC, "
                            + "e.g. --breaker consecutive=3");
            return null;
        }
        BreakerPolicy policy = refined(BreakerPolicy.parse(breaker), breakerOpen, breakerTrials);
        if (breakerCount != null) {
            policy = policy.withCounting(breakerCount, "--breaker-count");
        }
        if (breakerScope != null) {
            ScopeTemplate.compile(breakerScope); // refused before anything is read
        }
        BreakerConfig.OnOpen mode = onOpen == null ? BreakerConfig.OnOpen.PAUSE
                : Options.choice(onOpen, "--on-open", BreakerConfig.OnOpen.class);
        return new BreakerConfig(policy, mode, breakerScope, breakerShared);
    }

    private static Set<Integer> codes(List<Integer> list) {
        return list == null ? Set.of() : new HashSet<>(list);
    }

    private static long countAndValidate(ItemSource source) {
        long n = 0;
        try (ItemSource.Cursor cursor = source.open()) {
            while (cursor.hasNext()) {
                cursor.next();
                n++;
            }
        }
        return n;
    }

    private static String describe(ItemSource source) {
        return source.describe().entrySet().stream().filter(e -> !e.getKey().equals("type"))
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    /**
     * Copies standard input to a temporary file (items are read twice: counted, then stored). A
     * full or unwritable temporary folder is Bulwark's fault, said in one line before any job exists.
     */
    private Path spoolStdin() {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("bulwark-stdin-", ".txt");
            try (InputStream in = System.in) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return tmp;
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the message below says where
                }
            }
            throw new BulwarkException("cannot copy the items from standard input to a temporary file in "
                    + System.getProperty("java.io.tmpdir") + ": " + dev.bulwark.engine.OwnIoFault.reason(e)
                    + "; free some space there, or give another folder with BULWARK_JAVA_OPTS=-Djava.io.tmpdir=DIR", e);
        }
    }

    private int dryRun(ItemSource source, JobConfig config, long count, PrintWriter out) {
        ExecHandler handler = new ExecHandler(config.exec());
        UUID jobId = new UUID(0, 0);
        long seq = 0;
        try (ItemSource.Cursor cursor = source.open()) {
            while (cursor.hasNext()) {
                ItemSpec spec = cursor.next();
                seq++;
                Item item = new Item(jobId, seq, spec.key(), spec.payload(), spec.scope(), ItemStatus.PENDING,
                        0, 0, 0, 0, null, null, null, null, null, null, null, null, null);
                AttemptContext ctx = new AttemptContext(item, 1, 1, config.attemptTimeout(), Instant.EPOCH, null, "dry-run");
                out.println(seq + "\t" + dryRunLine(handler, ctx, config.exec()));
            }
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.println("bulwark: dry run: " + count + " items would run with concurrency " + config.concurrency()
                + ", retries " + config.retry().retries() + "; nothing was run or recorded ({job} shows as zeros)");
        err.flush();
        return ExitCodes.COMPLETED;
    }

    /**
     * The command of one item as a line to paste into bash: in --shell mode with the variables its
     * script uses as an {@code env} prefix, so the line reproduces the run.
     */
    static String dryRunLine(ExecHandler handler, AttemptContext ctx, ExecSpec exec) {
        List<String> argv = handler.command(ctx);
        if (!exec.shell()) {
            return ShellQuote.line(argv);
        }
        String script = argv.get(2);
        Map<String, String> used = new LinkedHashMap<>();
        handler.environment(ctx).forEach((name, value) -> {
            if (java.util.regex.Pattern.compile("(?<![A-Za-z0-9_])" + name + "(?![A-Za-z0-9_])").matcher(script).find()) {
                used.put(name, value);
            }
        });
        return ShellQuote.line(used, argv);
    }

    /** Shell-style quoting for display only (commands never run through a shell unless --shell). */
    static String quote(String arg) {
        return ShellQuote.quote(arg);
    }

    /** Whether the program must be found on this machine before the job is stored (not for jobs that workers run elsewhere). */
    boolean resolvesProgramHere() {
        return true;
    }
}
