package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerState;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.util.Durations;
import dev.bulwark.util.Json;
import dev.bulwark.SharedBreakerView;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.JobQuery;
import java.io.PrintWriter;
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

/** {@code bulwark breaker list|reset|open}: the circuit breakers of jobs, and the ledger's shared breakers. */
@Command(name = "breaker", mixinStandardHelpOptions = true,
        description = "Shows, resets and opens circuit breakers: those of jobs (started with --breaker) and the ledger's "
                + "shared breakers (--breaker-shared, and named breakers of the Java API).",
        subcommands = {BreakerCommand.List.class, BreakerCommand.Reset.class, BreakerCommand.Open.class})
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
                    "Without JOB, first the ledger's shared breakers, open or not: name, state, since, until, reason, and "
                            + "the jobs waiting on it.",
                    "A breaker whose open time has passed shows as OPEN until its job runs again and sends the trial call."})
    static final class List extends HomeCommand {
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
                int shown = job == null ? listShared(ledger, out) : 0;
                for (Job j : jobs) {
                    if (j.config().breaker() != null && j.config().breaker().shared()) {
                        shown += job == null ? 0 : listShared(ledger, out); // its breakers are the ledger's
                        continue;
                    }
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
                if (shown == 0 && !json && (job != null || !sharedShown)) {
                    out.println(job != null && jobs.get(0).config().breaker() == null
                            ? "job " + jobs.get(0).id() + " has no circuit breaker" : "no open breakers");
                }
                out.flush();
                return ExitCodes.COMPLETED;
            }
        }

        private boolean sharedShown;

        /** Prints the ledger's shared breakers; returns how many are not closed. */
        private int listShared(Ledger ledger, PrintWriter out) {
            java.util.List<SharedBreakerView> all;
            try {
                all = SharedBreakerView.all(ledger, java.time.Instant.now());
            } catch (UnsupportedOperationException e) {
                return 0;
            }
            for (SharedBreakerView b : all) {
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("shared", true);
                    m.putAll(b.toMap());
                    out.println(Json.write(m));
                    continue;
                }
                if (!sharedShown) {
                    out.printf("%-24s  %-9s  %-20s  %-20s  %-12s  %s%n", "SHARED BREAKER", "STATE", "SINCE", "UNTIL", "WAITING JOBS",
                            "REASON");
                }
                sharedShown = true;
                out.printf("%-24s  %-9s  %-20s  %-20s  %-12s  %s%n", Views.printable(b.name()), b.state(),
                        b.since() == null ? "-" : b.since().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                        b.untilReset() ? "reset" : b.openUntil() == null ? "-"
                                : b.openUntil().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                        b.waitingJobs().isEmpty() ? "-" : String.join(",", b.waitingJobs().stream()
                                .map(id -> id.toString().substring(0, 8)).toList()),
                        b.reason() == null ? "" : Views.printable(b.reason()));
            }
            if (sharedShown) {
                out.println();
            }
            return (int) all.stream().filter(b -> b.state() != dev.bulwark.breaker.CircuitBreaker.State.CLOSED).count();
        }
    }

    /** {@code bulwark breaker reset JOB SCOPE} or {@code bulwark breaker reset NAME}. */
    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = {"With NAME alone: closes the ledger's shared breaker NAME by hand, for every job and process; "
                    + "jobs waiting on it (even in another process) send its items again at their next look.",
                    "Closes the breaker of SCOPE in JOB by hand. A running job sends that scope's items again at once; "
                    + "for a job a breaker halted, reset, then bulwark resume JOB. The scope of a job without "
                    + "--breaker-scope is *.",
                    "With --store, a job run by workers has its breaker closed in the shared ledger: every worker "
                            + "claims that scope's items again at once."})
    static final class Reset extends HomeCommand {
        @Mixin
        WaitOption wait;

        @Parameters(index = "0", paramLabel = "JOB|NAME", description = "The job id (or its first characters); or, alone, "
                + "the name of a shared breaker.")
        String job;

        @Parameters(index = "1", paramLabel = "SCOPE", arity = "0..1", description = "The scope, as 'bulwark breaker list' shows it.")
        String scope;

        @Override
        public Integer call() {
            Home home = homeOptions.resolve();
            PrintWriter out = spec.commandLine().getOut();
            if (scope == null) {
                return resetNamed(job, out);
            }
            ValidationException.require(!scope.isEmpty(), "SCOPE must not be empty (the scope of a job without --breaker-scope is *)");
            try (Ledger reader = homeOptions.openReader()) {
                Job found = Views.resolve(reader, job);
                if (found.config().breaker() != null && found.config().breaker().shared()) {
                    return resetNamed(scope, out); // the job's breakers are the ledger's shared ones
                }
            }
            Integer shared = WorkerJobs.ifWorkerJob(homeOptions, job, (queue, found) -> resetShared(queue, found, out));
            if (shared != null) {
                return shared;
            }
            home.requireLedger();
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
                requireBreaker(found);
            }
            long deadline = System.nanoTime() + wait.get().toNanos();
            if (!ControlRequest.leaveAndAwait(home, found.id(), Home.Request.RESET_BREAKER, scope, deadline,
                    spec.commandLine().getErr())) {
                return ExitCodes.UNAVAILABLE;
            }
            out.println("reset of the breaker of scope " + Views.printable(scope) + " in job " + found.id()
                    + " taken by the process that runs it");
            out.flush();
            return ExitCodes.COMPLETED;
        }

        /** Refuses a job started without {@code --breaker}: it has no breaker to reset. */
        private static void requireBreaker(Job found) {
            ValidationException.require(found.config().breaker() != null,
                    "job " + found.id() + " has no circuit breaker (it was started without --breaker)");
        }

        /** Closes the ledger's shared breaker {@code name}, written beside any running process. */
        private int resetNamed(String name, PrintWriter out) {
            ValidationException.require(!name.isEmpty(), "NAME must not be empty");
            try (Ledger ledger = homeOptions.openReader()) {
                boolean reset = ledger.breakers().reset(name, java.time.Instant.now());
                out.println(reset ? "shared breaker " + Views.printable(name) + " reset for every job and process"
                        : "shared breaker " + Views.printable(name) + " is not open: nothing to reset");
                out.flush();
                return ExitCodes.COMPLETED;
            }
        }

        /** Closes the shared breaker of a job run by workers, in the ledger they share. */
        private int resetShared(WorkQueue queue, Job found, PrintWriter out) {
            requireBreaker(found);
            boolean reset = queue.resetBreaker(found.id(), scope);
            out.println(reset ? "breaker of scope " + Views.printable(scope) + " in job " + found.id() + " reset for every worker"
                    + (found.status() == JobStatus.FAILED ? "; continue the job with: bulwark resume --store URL " + found.id() : "")
                    : "breaker of scope " + Views.printable(scope) + " in job " + found.id() + " is not open: nothing to reset");
            out.flush();
            return ExitCodes.COMPLETED;
        }
    }

    /** {@code bulwark breaker open NAME}: a shared breaker opened by hand (maintenance). */
    @Command(name = "open", mixinStandardHelpOptions = true,
            description = {"Opens the ledger's shared breaker NAME by hand (maintenance): every job and direct call using it "
                    + "stops calling NAME until 'bulwark breaker reset NAME' (or, with --for, until a trial call after that time "
                    + "succeeds)."})
    static final class Open extends HomeCommand {
        @Option(names = "--for", paramLabel = "DURATION", description = "Open for this long, then let a trial call decide. "
                + "Default: until reset.")
        String duration;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (shown by 'bulwark breaker list'). Default: opened by hand.")
        String reason;

        @Option(names = "--breaker", paramLabel = "SPEC", description = "The policy to create NAME with when the ledger does not "
                + "have it yet (as for run). Default: NAME must exist.")
        String breaker;

        @Parameters(index = "0", paramLabel = "NAME", description = "The shared breaker's name (a scope, such as m1).")
        String name;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ValidationException.require(!name.isEmpty(), "NAME must not be empty");
            java.time.Duration length = duration == null ? null : Durations.parse(duration, "--for");
            BreakerPolicy policy = breaker == null ? null : BreakerPolicy.parse(breaker);
            java.time.Instant now = java.time.Instant.now();
            try (Ledger ledger = homeOptions.openReader()) {
                ledger.breakers().forceOpen(name, policy, now, length == null ? BreakerState.UNTIL_RESET : now.plus(length),
                        reason == null ? "opened by hand" : reason);
            }
            out.println("shared breaker " + Views.printable(name) + " open " + (length == null ? "until reset (bulwark breaker reset "
                    + name + ")" : "for " + Durations.format(length)));
            out.flush();
            return ExitCodes.COMPLETED;
        }
    }
}
