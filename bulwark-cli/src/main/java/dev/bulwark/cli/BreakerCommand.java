package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.NotFoundException;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.internal.Durations;
import dev.bulwark.internal.Json;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.JobQuery;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bulwark breaker list|reset}: the circuit breakers of jobs. */
@Command(name = "breaker", mixinStandardHelpOptions = true,
        description = "Shows and resets the circuit breakers of jobs (started with --breaker).",
        subcommands = {BreakerCommand.List.class, BreakerCommand.Reset.class})
public final class BreakerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    /** {@code bulwark breaker list [JOB]}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists the breakers that are open or half-open: of JOB, or of every job that has not finished "
                    + "(and of FAILED jobs, which a breaker may have halted). Read-only: works while the job runs.",
                    "A breaker whose open time has passed shows as OPEN until its job runs again and sends the trial call."})
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--json", description = "One JSON object per breaker and line.")
        boolean json;

        @Parameters(paramLabel = "JOB", arity = "0..1", description = "The job id (or its first characters).")
        String job;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Ledger ledger = homeOptions.openReader()) {
                java.util.List<Job> jobs = new ArrayList<>();
                if (job != null) {
                    jobs.add(Views.resolve(ledger, job));
                } else {
                    for (Job j : ledger.listJobs(JobQuery.all())) {
                        if (j.config().breaker() != null && (!j.status().isFinal() || j.status() == JobStatus.FAILED)) {
                            jobs.add(j);
                        }
                    }
                }
                int shown = 0;
                for (Job j : jobs) {
                    for (BreakerStatus b : Views.openBreakers(ledger, j)) {
                        if (json) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("job", j.id().toString());
                            m.putAll(Views.breaker(b));
                            out.println(Json.write(m));
                        } else {
                            if (shown == 0) {
                                out.printf("%-36s  %-9s  %-24s  %-20s  %s%n", "JOB", "STATE", "SCOPE", "OPEN UNTIL", "REASON");
                            }
                            out.printf("%-36s  %-9s  %-24s  %-20s  %s%n", j.id(), b.state(), Views.printable(b.scope()),
                                    b.openUntil() == null ? "-" : dev.bulwark.breaker.BreakerState.untilReset(b.openUntil()) ? "until reset"
                                            : b.openUntil().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                                    b.reason() == null ? "" : Views.printable(b.reason()));
                        }
                        shown++;
                    }
                }
                if (shown == 0 && !json) {
                    out.println(job != null && jobs.get(0).config().breaker() == null
                            ? "job " + jobs.get(0).id() + " has no circuit breaker" : "no open breakers");
                }
                out.flush();
                return ExitCodes.COMPLETED;
            }
        }
    }

    /** {@code bulwark breaker reset JOB SCOPE}. */
    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = {"Closes the breaker of SCOPE in JOB by hand. A running job sends that scope's items again at once; "
                    + "for a job a breaker halted, reset, then bulwark resume JOB. The scope of a job without "
                    + "--breaker-scope is *.",
                    "With --store, a job run by workers has its breaker closed in the shared ledger: every worker "
                            + "claims that scope's items again at once."})
    static final class Reset implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOptions homeOptions;

        @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "30s",
                description = "How long to wait for the running process to take the request. Default: ${DEFAULT-VALUE}.")
        String wait;

        @Parameters(index = "0", paramLabel = "JOB", description = "The job id (or its first characters).")
        String job;

        @Parameters(index = "1", paramLabel = "SCOPE", description = "The scope, as 'bulwark breaker list' shows it.")
        String scope;

        @Override
        public Integer call() {
            Home home = homeOptions.resolve();
            PrintWriter out = spec.commandLine().getOut();
            ValidationException.require(!scope.isEmpty(), "SCOPE must not be empty (the scope of a job without --breaker-scope is *)");
            Integer shared = WorkerJobs.ifWorkerJob(homeOptions, job, (queue, found) -> resetShared(queue, found, out));
            if (shared != null) {
                return shared;
            }
            if (!Files.exists(home.ledgerFile())) {
                throw new NotFoundException("no Bulwark ledger at " + home.ledgerFile().toAbsolutePath()
                        + ": no job has run with this home yet (choose the home with --home DIR or BULWARK_HOME)");
            }
            Optional<Home.Lock> lock = home.tryLock();
            if (lock.isPresent()) {
                try (Home.Lock held = lock.get(); SqliteLedger ledger = home.openWriter(held);
                     Engine engine = Engine.builder().ledger(ledger).worker("breaker-reset").build()) {
                    Job found = Views.resolve(ledger, job);
                    boolean reset = engine.resetBreaker(found.id(), scope);
                    out.println(reset ? "breaker of scope " + Views.printable(scope) + " in job " + found.id() + " reset"
                            + (found.status() == JobStatus.FAILED || found.status() == JobStatus.PAUSED
                            ? "; continue the job with: bulwark resume " + found.id() : "")
                            : "breaker of scope " + Views.printable(scope) + " in job " + found.id() + " is not open: nothing to reset");
                    out.flush();
                    return ExitCodes.COMPLETED;
                }
            }
            Job found;
            try (SqliteLedger reader = home.openReader()) {
                found = Views.resolve(reader, job);
                ValidationException.require(found.config().breaker() != null,
                        "job " + found.id() + " has no circuit breaker (it was started without --breaker)");
            }
            long deadline = System.nanoTime() + Durations.parse(wait, "--wait").toNanos();
            if (!ControlRequest.leaveAndAwait(home, found.id(), Home.Request.RESET_BREAKER, scope, deadline,
                    spec.commandLine().getErr())) {
                return ExitCodes.UNAVAILABLE;
            }
            out.println("reset of the breaker of scope " + Views.printable(scope) + " in job " + found.id()
                    + " taken by the process that runs it");
            out.flush();
            return ExitCodes.COMPLETED;
        }

        /** Closes the shared breaker of a job run by workers, in the ledger they share. */
        private int resetShared(WorkQueue queue, Job found, PrintWriter out) {
            ValidationException.require(found.config().breaker() != null,
                    "job " + found.id() + " has no circuit breaker (it was started without --breaker)");
            boolean reset = queue.resetBreaker(found.id(), scope);
            out.println(reset ? "breaker of scope " + Views.printable(scope) + " in job " + found.id() + " reset for every worker"
                    + (found.status() == JobStatus.FAILED ? "; continue the job with: bulwark resume --store URL " + found.id() : "")
                    : "breaker of scope " + Views.printable(scope) + " in job " + found.id() + " is not open: nothing to reset");
            out.flush();
            return ExitCodes.COMPLETED;
        }
    }
}
