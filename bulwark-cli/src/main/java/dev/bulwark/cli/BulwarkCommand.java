package dev.bulwark.cli;

import picocli.CommandLine.Command;

/** The top-level {@code bulwark} command: only its subcommands do something. */
@Command(name = "bulwark", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Runs batches of work with retries, timeouts and a durable ledger that survives crashes.",
        subcommands = {RunCommand.class, ResumeCommand.class, RetryFailedCommand.class, RetryCommand.class, CancelCommand.class,
                PauseCommand.class, StatusCommand.class, LogCommand.class, ListCommand.class, ExportCommand.class, PruneCommand.class,
                BreakerCommand.class, ServeCommand.class, SubmitCommand.class, WorkerCommand.class,
                CompletionCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {"  0 completed, 1 partial (some items failed or skipped), 2 failed, 3 cancelled,",
                "  4 paused (resumable), 5 home in use, ledger unavailable or damaged, or a full disk (the job is",
                "  paused: resume it), 64 bad usage or input, 70 internal error,",
                "  130 a second Ctrl-C/SIGTERM/SIGHUP (exited at once).",
                "", "Home (ledger and logs): --home DIR, else $BULWARK_HOME, else ./.bulwark",
                "Shared ledger for workers: --store postgresql://HOST[:PORT]/DB?user=NAME (or $BULWARK_STORE)"})
public final class BulwarkCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a command is required: run, resume, retry-failed, retry, cancel, pause, status, log, list, export, prune, breaker, bench, serve, submit, worker or completion");
    }
}
