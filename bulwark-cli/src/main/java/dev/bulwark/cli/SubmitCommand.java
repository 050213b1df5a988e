package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.ValidationException;
import dev.bulwark.cli.input.ItemSource;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
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
                "Takes the inputs and every policy of 'bulwark run', which the workers honour as 'run' does (--ordered: strictly "
                        + "one item after another across workers; --ordered-by: the same per scope, scopes side by side; "
                        + "--job-timeout, --max-failures, --stop-on-first-failure and "
                        + "--halt for the job as a whole; --on-critical rollback: one compensation pass); --concurrency is the "
                        + "job's limit across all workers together. 'bulwark pause --store' and 'resume --store' pause it."},
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
