package dev.bulwark.cli;

import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;
import dev.bulwark.util.Json;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.JobQuery;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bulwark list}. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Lists jobs, newest first (read-only).")
public final class ListCommand extends HomeCommand {
    @Option(names = "--status", paramLabel = "STATUS", split = ",",
            description = "Only jobs in these states: ${COMPLETION-CANDIDATES} (comma-separated).")
    List<JobStatus> statuses;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N jobs. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--json", description = "Print a JSON array of jobs (as bulwark status --json).")
    boolean json;

    @Override
    public Integer call() {
        dev.bulwark.ValidationException.require(limit >= 1, "--limit must be at least 1, but was " + limit);
        try (Ledger ledger = homeOptions.openReader()) {
            List<Job> jobs = ledger.listJobs(new JobQuery(statuses == null ? null : new HashSet<>(statuses), limit));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Job j : jobs) {
                    rows.add(Views.job(j, ledger.counts(j.id())));
                }
                out.println(Json.write(rows));
            } else {
                out.printf(Locale.ROOT, "%-36s  %-9s  %15s  %-24s  %s%n", "ID", "STATUS", "DONE/TOTAL", "CREATED", "NAME");
                for (Job j : jobs) {
                    JobCounts c = ledger.counts(j.id());
                    out.printf(Locale.ROOT, "%-36s  %-9s  %15s  %-24s  %s%n", j.id(), j.status(), c.done() + "/" + c.total(),
                            j.createdAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), Views.printable(j.name()));
                }
            }
            out.flush();
            return ExitCodes.COMPLETED;
        }
    }
}
