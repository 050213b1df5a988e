package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobResult;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.jdbc.WorkQueue;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** What {@code resume}, {@code retry-failed} and {@code retry} share: run a recorded job again with its own configuration. */
abstract class RerunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOptions homeOptions;

    @Option(names = "--quiet", description = "No progress display (the summary is still printed).")
    boolean quiet;

    @Parameters(index = "0", paramLabel = "JOB", description = "The job id (or its first characters).")
    String job;

    /** Starts the job in the engine. */
    abstract JobResult start(Engine engine, Job job, ExecHandler handler, PrintWriter err);

    /** Hands the job back to the workers, for a job that workers run ({@code --store}). */
    abstract int requeue(WorkQueue queue, Job job, PrintWriter out);

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Integer forWorkers = WorkerJobs.ifWorkerJob(homeOptions, job, (queue, found) -> requeue(queue, found,
                spec.commandLine().getOut()));
        if (forWorkers != null) {
            return forWorkers;
        }
        try (JobSession session = JobSession.open(homeOptions, err, !quiet)) {
            Job found = Views.resolve(session.ledger(), job);
            ExecHandler handler = session.handlerOf(found);
            return session.execute(found.id(), engine -> start(engine, found, handler, err));
        }
    }
}
