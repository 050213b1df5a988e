package dev.bulwark.cli;

import picocli.CommandLine.Command;

/** {@code bulwark pause JOB}. */
@Command(name = "pause", mixinStandardHelpOptions = true,
        description = {"Pauses a running job: running attempts are stopped and recorded as interrupted; the job "
                + "is PAUSED and goes on with bulwark resume. Works from another terminal."})
public final class PauseCommand extends ControlCommand {
}
