package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.ValidationException;
import dev.bulwark.cli.input.ItemSource;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.jdbc.worker.WorkerJobControl;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bulwark submit}: validates a batch like {@code run} and stores it in the shared ledger for
 * workers, without running it; prints the job id.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stores a batch in the shared PostgreSQL ledger for 'bulwark worker' processes to run, and prints "
                + "its job id (nothing runs here).",
                "Takes the inputs and policies of 'bulwark run'; --concurrency is the job's limit across all workers together."},
        footer = {"", "Examples:",
                "  bulwark submit --store postgresql://db:5432/bulwark?user=bulwark --items ids.txt --concurrency 32 -- ./sync.sh {}",
                "  bulwark worker --store postgresql://db:5432/bulwark?user=bulwark --concurrency 8"})
public final class SubmitCommand extends RunCommand {
    static final int MAX_PRIORITY = 1_000_000;

    @Option(names = "--priority", paramLabel = "N", defaultValue = "0",
            description = "Lower runs first; a waiting job gains one step per minute, so none starves. Default: ${DEFAULT-VALUE}.")
    int priority;

    @Override
    boolean resolvesProgramHere() {
        return false; // workers on other machines run it
    }

    @Override
    int accept(String name, JobConfig config, ItemSource source, PrintWriter err) {
        ValidationException.require(Math.abs(priority) <= MAX_PRIORITY,
                "--priority must be between -" + MAX_PRIORITY + " and " + MAX_PRIORITY + ", but was " + priority);
        Store store = homeOptions.store();
        ValidationException.require(store != null && store.postgres(), "submit needs the shared ledger that workers use: "
                + "--store postgresql://HOST[:PORT]/DATABASE?user=NAME" + (store == null ? "" : ", but --store was " + store));
        String unsupported = WorkerJobControl.unsupportedPolicy(config);
        // Workers do not apply these yet (budgets are per run): refuse them rather than accept a
        // policy that would silently do nothing.
        if (unsupported != null) {
            throw new ValidationException("--" + unsupported.replace(" with ", " with --") + " is not supported for jobs run by workers yet; "
                    + (unsupported.equals("ordered") ? "use 'bulwark run --ordered' instead"
                    : "use 'bulwark run' (with --store for the shared ledger) for this job"));
        }
        try (PostgresLedger ledger = store.openPostgres(); Engine engine = Engine.builder().ledger(ledger).build()) {
            Job job;
            try (ItemSource.Cursor cursor = source.open()) {
                job = engine.submit(name, config, cursor);
            }
            new WorkQueue(ledger).enqueue(job.id(), priority, config.concurrency());
            PrintWriter out = spec.commandLine().getOut();
            out.println(job.id());
            out.flush();
            err.println("bulwark: job " + job.id() + " (" + name + ") submitted: " + job.total() + " items, concurrency "
                    + config.concurrency() + " across workers, priority " + priority + ", retries " + config.retry().retries()
                    + "; workers run it: bulwark worker --store URL");
            err.flush();
            return ExitCodes.COMPLETED;
        }
    }
}
