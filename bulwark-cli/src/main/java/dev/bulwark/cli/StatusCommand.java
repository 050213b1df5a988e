package dev.bulwark.cli;

import dev.bulwark.JobConfig;
import dev.bulwark.breaker.BreakerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.util.Durations;
import dev.bulwark.util.Json;
import dev.bulwark.ledger.Ledger;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bulwark status JOB}: reads the ledger only, so it works while the job runs. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows a job's state, counts and configuration (read-only: works while the job runs).")
public final class StatusCommand extends JobCommand {
    @Option(names = "--json", description = "Print one JSON object (id, name, status, reason, total, counts, times, config, "
            + "breakers, logs, failed_items: the first 5 failed items with their log files).")
    boolean json;

    private static final int FAILED_SHOWN = 5;

    /** The first 8 characters of the job's id, enough to name it in the commands shown. */
    private static String shortId(Job job) {
        return job.id().toString().substring(0, 8);
    }

    @Override
    public Integer call() {
        Home home = homeOptions.resolve();
        try (Ledger ledger = homeOptions.openReader()) {
            Job found = jobIn(ledger);
            JobCounts c = ledger.counts(found.id());
            PrintWriter out = spec.commandLine().getOut();
            List<BreakerStatus> breakers = Views.openBreakers(ledger, found);
            List<dev.bulwark.Item> failed = c.failed() == 0 ? List.of() : ledger.items(found.id(),
                    new dev.bulwark.ledger.ItemQuery(java.util.Set.of(dev.bulwark.ItemStatus.FAILED), 0, FAILED_SHOWN));
            if (json) {
                Map<String, Object> view = Views.job(found, c);
                view.put("breakers", breakers.stream().map(Views::breaker).toList());
                view.put("logs", home.jobLogs(found.id()).toAbsolutePath().toString());
                view.put("failed_items", failed.stream().map(Views::item).toList());
                view.put("revisions", ConfigRevisions.of(ledger, found.id()).stream().map(e -> {
                    Map<String, Object> r = new java.util.LinkedHashMap<>(e.data());
                    r.put("at", e.at().toString());
                    return r;
                }).toList());
                out.println(Json.write(view));
            } else {
                out.println("job       " + found.id());
                out.println("name      " + Views.printable(found.name()));
                out.println("status    " + found.status() + (found.reason() == null ? "" : " (" + Views.printable(found.reason()) + ")"));
                out.printf(java.util.Locale.ROOT, "progress  %d of %d done (%.1f%%)%n", c.done(), c.total(),
                        c.total() == 0 ? 100.0 : 100.0 * c.done() / c.total());
                out.println("items     succeeded " + c.succeeded() + ", failed " + c.failed() + ", skipped " + c.skipped()
                        + (c.compensated() > 0 ? ", compensated " + c.compensated() : "")
                        + ", pending " + c.pending() + ", running " + c.running() + ", waiting to retry " + c.retryWait());
                out.println("attempts  " + c.retries() + " retries, " + c.interruptions() + " interrupted");
                for (dev.bulwark.Item item : failed) {
                    out.println("failed    #" + item.seq() + " " + Views.printable(item.key()) + ": "
                            + (item.category() == null ? "" : item.category() + ": ") + Views.printable(item.message()));
                    out.println("          log: " + (item.logPath() == null ? "none (no attempt ran)" : "bulwark log " + shortId(found) + " "
                            + item.seq() + "  (" + item.logPath() + ")"));
                }
                if (c.failed() > failed.size()) {
                    out.println("          ... and " + (c.failed() - failed.size()) + " more: bulwark log " + shortId(found)
                            + " --failed, or bulwark export " + shortId(found) + " --status FAILED");
                }
                out.println("created   " + found.createdAt());
                if (found.startedAt() != null) {
                    out.println("started   " + found.startedAt());
                }
                if (found.finishedAt() != null) {
                    out.println("finished  " + found.finishedAt() + (found.startedAt() == null ? ""
                            : " (took " + Durations.format(Duration.between(found.startedAt(), found.finishedAt())) + ")"));
                }
                if (found.config().exec() != null) {
                    out.println("command   " + String.join(" ", found.config().exec().command().stream().map(RunCommand::quote).toList())
                            + (found.config().exec().shell() ? "  (--shell)" : ""));
                }
                out.println("input     " + found.config().input());
                out.println("policy    concurrency " + found.config().concurrency() + (found.config().ordered() ? " ordered" : "")
                        + (found.config().orderedBy() == null ? "" : " ordered by " + found.config().orderedBy())
                        + ", retries " + found.config().retry().retries()
                        + ", backoff " + Durations.format(found.config().retry().initialDelay())
                        + " to " + Durations.format(found.config().retry().maxDelay())
                        + ", timeout " + TimeoutSpec.of(found.config()).describe()
                        + (found.config().failureThreshold() == null ? "" : ", max failures " + found.config().failureThreshold()));
                for (dev.bulwark.EngineEvent.ConfigRevised e : ConfigRevisions.of(ledger, found.id())) {
                    out.println("revised   #" + e.revision() + " at " + e.at().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                            + " by " + e.by() + ": " + (e.changes() == null ? "" : ConfigRevisions.describe(e.changes())));
                }
                JobConfig cfg = found.config();
                List<String> stops = new ArrayList<>();
                if (cfg.rollback()) {
                    stops.add("rollback on critical error" + (cfg.compensate() == null ? ""
                            : " with " + String.join(" ", cfg.compensate().command().stream().map(RunCommand::quote).toList())));
                }
                if (cfg.stopOnFirstFailure()) {
                    stops.add("stop on first failure");
                }
                if (cfg.jobBudget(0) != null) {
                    stops.add("job timeout " + (cfg.jobTimeout() == null ? "" : Durations.format(cfg.jobTimeout()))
                            + (cfg.jobTimeoutPerItem() == null ? "" : (cfg.jobTimeout() == null ? "" : " + ")
                            + Durations.format(cfg.jobTimeoutPerItem()) + " per item"));
                }
                if (!stops.isEmpty() || cfg.failureThreshold() != null || cfg.breaker() != null) {
                    stops.add("halt " + cfg.halt().name().toLowerCase(java.util.Locale.ROOT));
                }
                if (!stops.isEmpty()) {
                    out.println("stops     " + String.join(", ", stops));
                }
                if (cfg.breaker() != null) {
                    out.println("breaker   " + cfg.breaker().policy() + ", open " + cfg.breaker().policy().describeOpen()
                            + ", trials " + cfg.breaker().policy().trials() + ", on open "
                            + cfg.breaker().onOpen().name().toLowerCase(java.util.Locale.ROOT)
                            + (cfg.breaker().scope() == null ? ", one scope for the job" : ", scope " + cfg.breaker().scope())
                            + (cfg.breaker().policy().counted().equals(dev.bulwark.breaker.BreakerPolicy.DEFAULT_COUNTED)
                            && cfg.breaker().policy().categories().isEmpty() ? "" : ", counts " + cfg.breaker().policy().countSpec())
                            + (cfg.breaker().shared() ? ", shared (the ledger's breakers)" : ""));
                    for (BreakerStatus b : breakers) {
                        out.println("  " + b.state() + " " + Views.printable(b.scope())
                                + (b.openUntil() == null ? "" : dev.bulwark.breaker.BreakerState.untilReset(b.openUntil()) ? " until reset"
                                : " until " + b.openUntil().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                                + (b.reason() == null ? "" : ": " + Views.printable(b.reason())));
                    }
                }
                out.println("logs      " + home.jobLogs(found.id()));
            }
            out.flush();
            return ExitCodes.COMPLETED;
        }
    }
}
