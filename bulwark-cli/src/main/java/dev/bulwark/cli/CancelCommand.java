package dev.bulwark.cli;

import picocli.CommandLine.Command;

/** {@code bulwark cancel JOB}. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = {"Cancels a job: running attempts are stopped, items without an outcome are SKIPPED, the job "
                + "ends CANCELLED. Works from another terminal while the job runs."})
public final class CancelCommand extends ControlCommand {
}
