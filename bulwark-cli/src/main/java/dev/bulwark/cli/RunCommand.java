package dev.bulwark.cli;

import dev.bulwark.AttemptContext;
import dev.bulwark.Engine.ItemSpec;
import dev.bulwark.FailureThreshold;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.RetryPolicy;
import dev.bulwark.ValidationException;
import dev.bulwark.cli.input.DirectorySource;
import dev.bulwark.cli.input.ItemSource;
import dev.bulwark.cli.input.LineFileSource;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.exec.ExecSpec;
import dev.bulwark.internal.Durations;
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
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bulwark run}: accepts a batch into the ledger and runs a command on every item (and, through {@link SubmitCommand}, {@code submit}). */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs COMMAND once per item, with retries, timeouts and a durable ledger.",
                "Items come from exactly one of --input, --items or --items-jsonl. Without a placeholder the item is "
                        + "appended as the last argument. Placeholders: {} item, {/} basename, {.} without extension, "
                        + "{/.} basename without extension, {//} directory, {#} sequence (1-based), {%%} slot, "
                        + "{attempt} attempt number, {job} job id.",
                "The command runs without a shell (arguments passed as they are) unless --shell is given."},
        footer = {"", "Examples:",
                "  bulwark run --input photos --glob '*.jpg' --concurrency 4 -- convert {} -resize 50%% out/{/}",
                "  bulwark run --items hosts.txt --timeout 30s --retries 5 -- ssh -o BatchMode=yes {} uptime",
                "  bulwark run --input logs --shell -- 'gzip -c \"$1\" > \"$1.gz\"'"})
public class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOptions homeOptions;

    @Option(names = "--input", paramLabel = "DIR", description = "Run over the regular files in DIR.")
    Path input;

    @Option(names = "--glob", paramLabel = "PATTERN", description = "With --input: only files whose name matches (default: *; a pattern with / matches the path below DIR).")
    String glob;

    @Option(names = "--recursive", description = "With --input: descend into subdirectories.")
    boolean recursive;

    @Option(names = "--items", paramLabel = "FILE", description = "Run over the lines of FILE (UTF-8, one item per line; - for standard input).")
    String items;

    @Option(names = "--items-jsonl", paramLabel = "FILE", description = "Run over JSON objects, one per line: {\"key\": ..., \"payload\": {...}, \"scope\": ...} (- for standard input).")
    String itemsJsonl;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "1", description = "Items run at the same time (1-10000). Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--ordered", description = "Strict order: each item starts only after the previous one finished (needs --concurrency 1).")
    boolean ordered;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "2", description = "Retries after a transient failure (0-999). Default: ${DEFAULT-VALUE}.")
    int retries;

    @Option(names = "--backoff", paramLabel = "DURATION", defaultValue = "1s", description = "Delay before the first retry; doubles each retry, with 20%% jitter. Default: ${DEFAULT-VALUE}.")
    String backoff;

    @Option(names = "--backoff-max", paramLabel = "DURATION", defaultValue = "1m", description = "Longest delay between retries. Default: ${DEFAULT-VALUE}.")
    String backoffMax;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Time limit per attempt; the whole process tree is stopped (TERM, then KILL after --kill-grace). Default: none.")
    String timeout;

    @Option(names = "--kill-grace", paramLabel = "DURATION", defaultValue = "5s", description = "Time between TERM and KILL when an attempt is stopped. Default: ${DEFAULT-VALUE}.")
    String killGrace;

    @Option(names = "--max-failures", paramLabel = "N|N%", description = "Halt the job (remaining items skipped, job FAILED) when N items, or N%% of them, have failed.")
    String maxFailures;

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
        PrintWriter err = spec.commandLine().getErr();
        JobConfig config = config();
        Path spool = null;
        try {
            ItemSource source;
            int chosen = (input != null ? 1 : 0) + (items != null ? 1 : 0) + (itemsJsonl != null ? 1 : 0);
            ValidationException.require(chosen == 1, chosen == 0
                    ? "no items: give --input DIR, --items FILE or --items-jsonl FILE"
                    : "give only one of --input, --items and --items-jsonl");
            ValidationException.require(input != null || (glob == null && !recursive),
                    "--glob and --recursive go with --input DIR");
            if (input != null) {
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
                source = new LineFileSource(path, file, jsonl);
            }
            long count = countAndValidate(source);
            if (count == 0) {
                throw new ValidationException("no items found in " + describe(source) + ": nothing to run");
            }
            Map<String, String> inputInfo = new LinkedHashMap<>(source.describe());
            JobConfig.Builder b = JobConfig.builder().concurrency(config.concurrency()).ordered(config.ordered())
                    .retry(config.retry()).attemptTimeout(config.attemptTimeout()).failureThreshold(config.failureThreshold())
                    .exec(config.exec());
            inputInfo.forEach(b::input);
            config = b.build();
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
        try (JobSession session = JobSession.open(homeOptions, err, !quiet)) {
            Job job;
            try (ItemSource.Cursor cursor = source.open()) {
                job = session.engine().submit(name, config, cursor);
            }
            err.println("bulwark: job " + job.id() + " (" + name + "): " + job.total() + " items, concurrency "
                    + config.concurrency() + ", retries " + config.retry().retries()
                    + (config.attemptTimeout() == null ? "" : ", timeout " + Durations.format(config.attemptTimeout())));
            err.flush();
            ExecHandler handler = new ExecHandler(config.exec());
            return session.execute(job.id(), engine -> engine.run(job.id(), handler));
        }
    }

    private JobConfig config() {
        ValidationException.require(command != null && !command.isEmpty(),
                "a command is required after '--', for example: bulwark run --input DIR -- gzip -k {}");
        ValidationException.require(retries >= 0 && retries <= 999, "--retries must be between 0 and 999, but was " + retries);
        Duration initial = Durations.parse(backoff, "--backoff");
        Duration max = Durations.parse(backoffMax, "--backoff-max");
        ValidationException.require(max.compareTo(initial) >= 0, "--backoff-max (" + backoffMax
                + ") must not be shorter than --backoff (" + backoff + ")");
        Duration attemptTimeout = timeout == null ? null : Durations.parse(timeout, "--timeout");
        ValidationException.require(attemptTimeout == null || !attemptTimeout.isZero(),
                "--timeout must be longer than 0, but was '" + timeout + "'");
        Duration grace = Durations.parse(killGrace, "--kill-grace");
        ValidationException.require(concurrency >= 1 && concurrency <= JobConfig.MAX_CONCURRENCY,
                "--concurrency must be between 1 and " + JobConfig.MAX_CONCURRENCY + ", but was " + concurrency);
        ValidationException.require(!ordered || concurrency == 1,
                "--ordered runs one item at a time, so it needs --concurrency 1, but --concurrency was " + concurrency);
        ExecSpec exec = new ExecSpec(command, shell, codes(permanentExit), codes(criticalExit), grace, ExecSpec.DEFAULT_OUTPUT_CAP);
        new ExecHandler(exec); // validates the command template (placeholders, shell script) now
        FailureThreshold threshold = maxFailures == null ? null : FailureThreshold.parse(maxFailures);
        return JobConfig.builder().concurrency(concurrency).ordered(ordered)
                .retry(RetryPolicy.exponential(retries, initial, max)).attemptTimeout(attemptTimeout)
                .failureThreshold(threshold).exec(exec).build();
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

    private Path spoolStdin() throws IOException {
        Path tmp = Files.createTempFile("bulwark-stdin-", ".txt");
        try (InputStream in = System.in) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        return tmp;
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
                out.println(seq + "\t" + handler.command(ctx).stream().map(RunCommand::quote).collect(Collectors.joining(" ")));
            }
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.println("bulwark: dry run: " + count + " items would run with concurrency " + config.concurrency()
                + ", retries " + config.retry().retries() + "; nothing was run or recorded ({job} shows as zeros)");
        err.flush();
        return ExitCodes.COMPLETED;
    }

    /** Shell-style quoting for display only (commands never run through a shell unless --shell). */
    static String quote(String arg) {
        if (!arg.isEmpty() && arg.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return arg;
        }
        return "'" + Views.printable(arg).replace("'", "'\\''") + "'";
    }
}
