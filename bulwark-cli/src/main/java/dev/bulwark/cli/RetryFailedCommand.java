package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobResult;
import dev.bulwark.ItemHandler;
import dev.bulwark.jdbc.WorkQueue;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code bulwark retry-failed JOB}: runs the failed items of a finished job again. */
@Command(name = "retry-failed", mixinStandardHelpOptions = true,
        description = {"Runs the FAILED items of a PARTIAL or FAILED job again, each with a fresh retry budget; "
                + "a halted (FAILED) job also runs the items it skipped.",
                "Earlier attempts stay in the ledger (the audit trail); succeeded items are not touched."})
public final class RetryFailedCommand extends RerunCommand {
    @Override
    JobResult start(Engine engine, Job job, ItemHandler handler, PrintWriter err) {
        return engine.retryFailed(job.id(), handler);
    }

    @Override
    int requeue(WorkQueue queue, Job job, PrintWriter out) {
        return WorkerJobs.retryFailed(queue, job, out);
    }
}
