package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobResult;
import dev.bulwark.EngineEvent;
import dev.bulwark.ItemHandler;
import dev.bulwark.ValidationException;
import dev.bulwark.ledger.Ledger;
import java.time.Instant;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.jdbc.WorkQueue;
import java.io.PrintWriter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What {@code resume}, {@code retry-failed} and {@code retry} share: run a recorded job again with its own configuration. */
abstract class RerunCommand extends JobCommand {
    @Mixin
    OutputOptions outputOptions;

    @Mixin
    PolicyOverrides overrides;

    @Option(names = "--quiet", description = "No progress display (the summary is still printed).")
    boolean quiet;

    /** Starts the job in the engine. */
    abstract JobResult start(Engine engine, Job job, ItemHandler handler, PrintWriter err);

    /** Hands the job back to the workers, for a job that workers run ({@code --store}). */
    abstract int requeue(WorkQueue queue, Job job, PrintWriter out);

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        outputOptions.check();
        Integer forWorkers = WorkerJobs.ifWorkerJob(homeOptions, job, (queue, found) -> {
            ValidationException.require(!overrides.any(), "changing the policies of a job run by workers is not supported yet; "
                    + "run it again without --retries, --timeout, --concurrency or the breaker options");
            return requeue(queue, found, spec.commandLine().getOut());
        });
        if (forWorkers != null) {
            return forWorkers;
        }
        try (JobSession session = JobSession.open(homeOptions, spec.commandLine().getOut(), err, !quiet, outputOptions)) {
            Job found = revise(session, jobIn(session.ledger()), err);
            ExecHandler handler = session.handlerOf(found);
            return session.execute(found.id(), engine -> start(engine, found, outputOptions.paced(handler), err));
        }
    }

    /** The job with the overrides recorded as a new revision of its configuration, or as it is without any. */
    private Job revise(JobSession session, Job found, PrintWriter err) {
        Ledger ledger = session.ledger();
        if (!overrides.any()) {
            return found;
        }
        ValidationException.require(found.config().exec() != null, "job " + found.id() + " runs a Java handler: change its "
                + "policies from that program");
        PolicyOverrides.Revision revision = overrides.apply(found.config());
        if (revision.changes().isEmpty()) {
            return found;
        }
        int number = ConfigRevisions.of(ledger, found.id()).size() + 2; // revision 1 is the configuration the job was accepted with
        Job revised = ledger.reviseConfig(found.id(), revision.config());
        session.record(new EngineEvent.ConfigRevised(found.id(), Instant.now(), number, spec.name(), revision.changes()));
        err.println("bulwark: job " + found.id() + ": configuration revision " + number + ": " + ConfigRevisions.describe(revision.changes()));
        err.flush();
        return revised;
    }
}
