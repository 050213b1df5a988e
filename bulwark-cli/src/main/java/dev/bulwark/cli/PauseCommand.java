package dev.bulwark.cli;

import dev.bulwark.internal.Durations;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bulwark pause JOB}. */
@Command(name = "pause", mixinStandardHelpOptions = true,
        description = {"Pauses a running job: running attempts are stopped and recorded as interrupted; the job "
                + "is PAUSED and goes on with bulwark resume. Works from another terminal."})
public final class PauseCommand implements Callable<Integer> {
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
        return ControlRequest.send(homeOptions.resolve(), job, Home.Request.PAUSE, Durations.parse(wait, "--wait"),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
