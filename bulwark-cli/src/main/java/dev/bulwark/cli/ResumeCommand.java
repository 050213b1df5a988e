package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobResult;
import dev.bulwark.ItemHandler;
import dev.bulwark.jdbc.WorkQueue;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code bulwark resume JOB}: goes on with a paused, interrupted or crashed job. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = {"Goes on with a paused job, or one whose process crashed or was killed.",
                "Items with a recorded outcome never run again; attempts cut off by a crash are recorded as "
                        + "interrupted and their items run again. A FAILED job that was halted runs its skipped items."})
public final class ResumeCommand extends RerunCommand {
    @Override
    JobResult start(Engine engine, Job job, ItemHandler handler, PrintWriter err) {
        if (!job.status().isFinal()) {
            err.println("bulwark: resuming job " + job.id() + " (" + job.name() + "), " + job.status());
        }
        return engine.run(job.id(), handler);
    }

    @Override
    int requeue(WorkQueue queue, Job job, PrintWriter out) {
        return WorkerJobs.resume(queue, job, out);
    }
}
