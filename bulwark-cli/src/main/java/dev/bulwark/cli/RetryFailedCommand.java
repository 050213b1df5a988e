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

/** {@code bulwark retry-failed JOB}: runs the failed items of a finished job again. */
@Command(name = "retry-failed", mixinStandardHelpOptions = true,
        description = {"Runs the FAILED items of a PARTIAL or FAILED job again, each with a fresh retry budget.",
                "Their earlier attempts stay in the ledger (the audit trail); succeeded items are not touched."})
public final class RetryFailedCommand implements Callable<Integer> {
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
            return session.execute(found.id(), engine -> engine.retryFailed(found.id(), handler));
        }
    }
}
