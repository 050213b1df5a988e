package dev.bulwark.cli;

import dev.bulwark.internal.Durations;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bulwark cancel JOB}. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = {"Cancels a job: running attempts are stopped, items without an outcome are SKIPPED, the job "
                + "ends CANCELLED. Works from another terminal while the job runs."})
public final class CancelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOptions homeOptions;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long to wait for the running process to stop the job. Default: ${DEFAULT-VALUE}.")
    String wait;

    @Parameters(paramLabel = "JOB", description = "The job id (or its first characters).")
    String job;

    @Override
    public Integer call() {
        return ControlRequest.send(homeOptions.resolve(), job, Home.Request.CANCEL, Durations.parse(wait, "--wait"),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
