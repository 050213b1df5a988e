package dev.bulwark.cli;

import dev.bulwark.util.Durations;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** What {@code cancel} and {@code pause} share: a request to stop a job, from any terminal. */
abstract class ControlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOptions homeOptions;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long to wait for the running process to stop the job. Default: ${DEFAULT-VALUE}.")
    String wait;

    @Parameters(paramLabel = "JOB", description = "The job id (or its first characters).")
    String job;

    abstract Home.Request request();

    @Override
    public Integer call() {
        Integer forWorkers = WorkerJobs.ifWorkerJob(homeOptions, job, (queue, found) -> {
            if (request() == Home.Request.PAUSE) {
                return WorkerJobs.pause(queue, found, spec.commandLine().getOut());
            }
            return WorkerJobs.cancel(queue, found, spec.commandLine().getOut());
        });
        if (forWorkers != null) {
            return forWorkers;
        }
        Store store = homeOptions.store();
        if (store != null && store.postgres()) { // a job that bulwark run --store runs in a process somewhere
            try (dev.bulwark.jdbc.PostgresLedger ledger = store.openPostgres()) {
                return StoreControl.send(ledger, job, request(), Durations.parse(wait, "--wait"), spec.commandLine().getOut(),
                        spec.commandLine().getErr());
            }
        }
        return ControlRequest.send(homeOptions.resolve(), job, request(), Durations.parse(wait, "--wait"),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
