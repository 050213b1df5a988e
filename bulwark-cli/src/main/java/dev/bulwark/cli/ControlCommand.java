package dev.bulwark.cli;

import picocli.CommandLine.Mixin;

/** What {@code cancel} and {@code pause} share: a request to stop a job, from any terminal; each differs only in its name and description. */
abstract class ControlCommand extends JobCommand {
    @Mixin
    WaitOption wait;

    /** The request this command leaves: the one its name says ({@code cancel}, {@code pause}). */
    Home.Request request() {
        return Home.Request.valueOf(spec.name().toUpperCase(java.util.Locale.ROOT));
    }

    @Override
    public Integer call() {
        Integer forWorkers = WorkerJobs.ifWorkerJob(homeOptions, job, (queue, found) -> request() == Home.Request.PAUSE
                ? WorkerJobs.pause(queue, found, out()) : WorkerJobs.cancel(queue, found, out()));
        if (forWorkers != null) {
            return forWorkers;
        }
        Store store = homeOptions.store();
        if (store != null && store.postgres()) { // a job that bulwark run --store runs in a process somewhere
            try (dev.bulwark.jdbc.PostgresLedger ledger = store.openPostgres()) {
                return StoreControl.send(ledger, job, request(), wait.get(), out(), err());
            }
        }
        return ControlRequest.send(homeOptions.resolve(), job, request(), wait.get(), out(), err());
    }
}
