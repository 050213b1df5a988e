package dev.bulwark.cli;

import dev.bulwark.Job;
import dev.bulwark.exec.ExecHandler;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bulwark resume JOB}: goes on with a paused, interrupted or crashed job. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = {"Goes on with a paused job, or one whose process crashed or was killed.",
                "Items with a recorded outcome never run again; attempts cut off by a crash are recorded as "
                        + "interrupted and their items run again. A FAILED job that was halted runs its skipped items."})
public final class ResumeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOptions homeOptions;

    @Option(names = "--quiet", description = "No progress display (the summary is still printed).")
    boolean quiet;

    @Parameters(paramLabel = "JOB", description = "The job id (or its first characters).")
    String job;

    @Override
    public Integer call() {
        try (JobSession session = JobSession.open(homeOptions.resolve(), spec.commandLine().getErr(), !quiet)) {
            Job found = Views.resolve(session.ledger(), job);
            ExecHandler handler = session.handlerOf(found);
            if (!found.status().isFinal()) {
                spec.commandLine().getErr().println("bulwark: resuming job " + found.id() + " (" + found.name() + "), "
                        + found.status());
            }
            return session.execute(found.id(), engine -> engine.run(found.id(), handler));
        }
    }
}
