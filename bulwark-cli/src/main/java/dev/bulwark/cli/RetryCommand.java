package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobResult;
import dev.bulwark.ItemHandler;
import dev.bulwark.jdbc.WorkQueue;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code bulwark retry JOB SEQ…}: runs some failed or skipped items of a finished job again. */
@Command(name = "retry", mixinStandardHelpOptions = true,
        description = {"Runs the named items (by sequence number, as status and export show them) of a PARTIAL or FAILED "
                + "job again, each with a fresh retry budget. Each must be FAILED or SKIPPED; if one is not, nothing runs.",
                "Earlier attempts stay in the ledger; the other items are not touched. The job ends with the status its items "
                + "then have."})
public final class RetryCommand extends RerunCommand {
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "SEQ", description = "The sequence numbers of the items (1, 2, …).")
    List<Long> seqs;

    @Override
    JobResult start(Engine engine, Job job, ItemHandler handler, PrintWriter err) {
        return engine.retryItems(job.id(), seqs, handler);
    }

    @Override
    int requeue(WorkQueue queue, Job job, PrintWriter out) {
        return WorkerJobs.retryItems(queue, job, seqs, out);
    }
}
