package dev.bulwark.cli;

import dev.bulwark.BulwarkClock;
import dev.bulwark.ValidationException;
import dev.bulwark.util.Durations;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerJobControl;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.jdbc.worker.WorkerStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code bulwark worker}: runs items of any job submitted to the shared ledger until stopped.
 * SIGINT/SIGTERM stop claiming and let running attempts finish (up to {@code --grace}); a second
 * signal interrupts them (their items run again on another worker); a third exits at once.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs items of the jobs submitted to the shared PostgreSQL ledger, on any number of machines, until "
                + "stopped (SIGTERM or Ctrl-C: finish running items, then exit 0).",
                "Claims are leases on the database clock, renewed by heartbeats; items of a worker that died or stalled "
                        + "are taken back by the others when its lease expires."})
public final class WorkerCommand extends HomeCommand {
    @Mixin
    LogOptions logOptions;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "" + WorkerOptions.DEFAULT_CONCURRENCY,
            description = "Items this worker runs at the same time (each job's own limit holds across workers too). Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--claim-batch", paramLabel = "N", defaultValue = "" + WorkerOptions.DEFAULT_CLAIM_BATCH,
            description = "Most items taken by one claim. Default: ${DEFAULT-VALUE}.")
    int claimBatch;

    @Option(names = "--lease", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long a claim holds without a heartbeat (database clock); heartbeats every third of it. Default: ${DEFAULT-VALUE}.")
    String lease;

    @Option(names = "--max-stalls", paramLabel = "N", defaultValue = "" + WorkerOptions.DEFAULT_MAX_STALLS,
            description = "Expired leases an item survives; the next one fails it with category 'stalled'. Default: ${DEFAULT-VALUE}.")
    int maxStalls;

    @Option(names = "--poll", paramLabel = "DURATION", defaultValue = "1s",
            description = "Longest an idle worker waits before looking for work without a notification. Default: ${DEFAULT-VALUE}.")
    String poll;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "30s",
            description = "On SIGTERM, how long running attempts may finish before they are interrupted. Default: ${DEFAULT-VALUE}.")
    String grace;

    @Option(names = "--name", paramLabel = "NAME", description = "The worker's name on attempts and leases (default: HOST:PID).")
    String name;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = logOptions.start(err());
        WorkerOptions options = WorkerOptions.builder(name != null ? name : JobSession.workerName()).concurrency(concurrency)
                .claimBatch(claimBatch).lease(Durations.parse(lease, "--lease")).maxStalls(maxStalls)
                .poll(Durations.parse(poll, "--poll")).grace(Durations.parse(grace, "--grace")).build();
        Store store = homeOptions.store();
        ValidationException.require(store != null && store.postgres(), "worker needs the shared ledger jobs were submitted to: "
                + "--store postgresql://HOST[:PORT]/DATABASE?user=NAME" + (store == null ? "" : ", but --store was " + store));
        Home home = homeOptions.resolve();
        Path logs = home.logs().toAbsolutePath();
        Files.createDirectories(logs);
        // A worker stopped in the middle of a transaction (SIGSTOP, a long pause) must not hold its row locks,
        // and the job's, beyond its lease: the server ends such a session, and its leases are taken over.
        // Claims and completions give up on a dead connection after a lease (heartbeats have timeouts of their own).
        try (PostgresLedger ledger = store.openPostgres("idle_in_transaction_session_timeout=" + options.lease().toMillis(),
                options.driverDefaults())) {
            Worker worker = new Worker(new WorkQueue(ledger), options, WorkerJobControl::commandHandler,
                    item -> logs.resolve(item.jobId().toString()).resolve(item.seq() + ".log"), BulwarkClock.system(),
                    RandomGenerator.getDefault());
            Map<Signal, SignalHandler> previous = handleSignals(worker, options, err);
            err.println("bulwark: worker " + options.name() + " on " + store + ": concurrency " + options.concurrency()
                    + ", claim batch " + options.claimBatch() + ", lease " + Durations.format(options.lease())
                    + ", max stalls " + options.maxStalls());
            err.flush();
            WorkerStats stats;
            try {
                stats = worker.run();
            } finally {
                previous.forEach(Signal::handle);
            }
            err.println("bulwark: worker " + options.name() + " stopped: " + stats);
            err.flush();
            return ExitCodes.COMPLETED;
        }
    }

    private static Map<Signal, SignalHandler> handleSignals(Worker worker, WorkerOptions options, PrintWriter err) {
        SignalPresses signals = new SignalPresses();
        Map<Signal, SignalHandler> previous = new HashMap<>();
        for (String signalName : List.of("INT", "TERM")) {
            try {
                Signal signal = new Signal(signalName);
                previous.put(signal, Signal.handle(signal, s -> {
                    int n = signals.press();
                    if (n == 0) {
                        return; // the same press, signalled twice (timeout, a service manager)
                    }
                    if (n == 1) {
                        err.println("bulwark: SIG" + s.getName() + ": worker " + options.name() + " stops claiming; running "
                                + "items get " + Durations.format(options.grace()) + " to finish (again: interrupt them)");
                        worker.stop();
                    } else if (n == 2) {
                        err.println("bulwark: SIG" + s.getName() + ": interrupting running items; they run again elsewhere");
                        worker.stopNow();
                    } else {
                        err.println("bulwark: SIG" + s.getName() + ": exiting now; leases expire and other workers take the items");
                        err.flush();
                        Runtime.getRuntime().halt(130);
                    }
                    err.flush();
                }));
            } catch (IllegalArgumentException e) {
                // signal not available on this platform
            }
        }
        return previous;
    }
}
