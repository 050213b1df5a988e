package dev.bulwark.examples.tickets;

import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.Job;
import dev.bulwark.Retry;
import dev.bulwark.examples.Expectations;
import dev.bulwark.examples.Options;
import dev.bulwark.examples.Reports;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.JobQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Example 5: processes a folder of scanned tickets with N threads. Transient errors (a busy
 * scanner) are retried with exponential backoff; permanent ones (unreadable pages, missing
 * fields) go to the review queue, exported as CSV; the tickets read are stored in a database and
 * exported as a spreadsheet (XLSX). The ledger keeps every run with its configuration snapshot,
 * printed at the end as the audit trail.
 *
 * <pre>
 * TicketProcessing --work DIR [--tickets 40] [--threads 4] [--operator NAME] [--expect-runs N]
 * </pre>
 * With {@code --expect-runs}, the run checks its results and exits 1 on a mismatch.
 */
public final class TicketProcessing {

    private TicketProcessing() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, Set.of("work", "tickets", "threads", "operator", "expect-runs"));
        Path work = o.path("work", "target/ticket-review");
        int count = o.integer("tickets", 40);
        int threads = o.integer("threads", 4);
        Path inbox = ScannedTickets.generate(work.resolve("inbox"), count);
        TicketStore store = new TicketStore(work.resolve("tickets.db"));
        List<Path> files;
        try (Stream<Path> listing = Files.list(inbox)) {
            files = listing.sorted().toList();
        }

        try (SqliteLedger ledger = SqliteLedger.open(work.resolve("ledger.db"))) {
            BatchResult result = Bulwark.paths(files)
                    .name("tickets " + inbox.getFileName())
                    .handlerWithContext((file, ctx) -> {
                        Ticket t = Ticket.read(file, ctx.attempt());
                        store.store(t, ctx.jobId().toString());
                        ctx.log("read " + t.number() + ": " + t.tons() + " t of " + t.material() + " on " + t.truck());
                    })
                    .classify(SQLException.class, ErrorClass.TRANSIENT, "database")
                    .concurrency(threads)
                    .retry(Retry.exponential(3, Duration.ofMillis(100)))
                    .describe("input", inbox)
                    .describe("operator", o.get("operator", "example"))
                    .describe("review_queue", "review-queue.csv")
                    .logDirectory(work.resolve("logs"))
                    .ledger(ledger)
                    .run();

            Path csv = work.resolve("review-queue-" + result.jobId().toString().substring(0, 8) + ".csv");
            long reviewRows = Exports.reviewQueueCsv(result, csv);
            List<Ticket> tickets = store.all();
            Path xlsx = work.resolve("tickets.xlsx");
            Exports.resultsXlsx(tickets, xlsx);

            Reports.summary("ticket-review", result);
            System.out.println("  review queue: " + reviewRows + " ticket(s) in " + csv);
            System.out.println("  results: " + tickets.size() + " ticket(s) in " + xlsx);
            List<Job> runs = ledger.listJobs(JobQuery.all()).stream().sorted(Comparator.comparing(Job::createdAt)).toList();
            System.out.println("  audit trail: " + runs.size() + " run(s) in the ledger");
            for (Job run : runs) {
                System.out.printf("    %s %s %-8s threads=%d attempts=%d backoff=%s operator=%s: %d ok, %d to review%n",
                        run.createdAt(), run.id().toString().substring(0, 8), run.status(), run.config().concurrency(),
                        run.config().retry().maxAttempts(), run.config().retry().initialDelay(),
                        run.config().input().get("operator"), ledger.counts(run.id()).succeeded(), ledger.counts(run.id()).failed());
            }

            String expectRuns = o.get("expect-runs", null);
            if (expectRuns != null) {
                System.exit(check(result, count, threads, Integer.parseInt(expectRuns), runs, reviewRows, csv, xlsx));
            }
        }
    }

    private static int check(BatchResult result, int count, int threads, int expectedRuns, List<Job> runs,
                             long reviewRows, Path csv, Path xlsx) throws IOException {
        long unreadable = IntStream.rangeClosed(1, count).filter(ScannedTickets::unreadable).count();
        long missing = IntStream.rangeClosed(1, count).filter(ScannedTickets::missingWeight).count();
        long busy = IntStream.rangeClosed(1, count).filter(ScannedTickets::busy).count();
        Expectations e = new Expectations("ticket-review");
        e.expect("tickets", (long) count, result.total());
        e.expect("read", count - unreadable - missing, result.succeeded());
        Map<String, Long> byCategory = new TreeMap<>(Map.of("ocr", unreadable, "missing-field", missing));
        e.expect("review queue by category", byCategory,
                result.failures().collect(Collectors.groupingBy(Item::category, TreeMap::new, Collectors.counting())));
        e.expect("retries (two per ticket on the busy scanner)", 2 * busy, result.retries());
        e.expect("review queue CSV rows", unreadable + missing, Exports.csvRows(csv));
        e.expect("rows written to the CSV", unreadable + missing, reviewRows);
        e.expect("spreadsheet rows", count - unreadable - missing, (long) Exports.xlsxRows(xlsx));
        e.expect("runs in the audit trail", expectedRuns, runs.size());
        e.expect("this run's snapshot: threads", threads, runs.get(runs.size() - 1).config().concurrency());
        e.expect("this run's snapshot: attempts", 4, runs.get(runs.size() - 1).config().retry().maxAttempts());
        return e.exitCode();
    }
}
