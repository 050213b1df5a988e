package dev.bulwark.examples.tickets;

import dev.bulwark.AttemptOutcome;
import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.PermanentException;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Example 5: processes a folder of scanned tickets (a delivery) with N threads. Transient errors
 * (a busy scanner) are retried with exponential backoff; permanent ones (unreadable pages,
 * missing fields) go to the review queue, exported as CSV; the tickets read are stored in a
 * database and exported as a spreadsheet (XLSX). A critical error (a ticket weighed on a
 * weighbridge whose calibration had expired) stops the run and rolls it back: the tickets this
 * run stored are deleted again, newest first, and the items end COMPENSATED. The ledger keeps
 * every run with its configuration snapshot, printed at the end as the audit trail.
 *
 * <pre>
 * TicketProcessing --work DIR [--inbox NAME] [--first 1] [--tickets 40] [--critical N] [--threads 4]
 *                  [--operator NAME] [--expect-runs N]
 * </pre>
 * With {@code --expect-runs}, the run checks its results and exits 1 on a mismatch; with a
 * {@code --critical} ticket, the checks are those of a rolled-back run.
 */
public final class TicketProcessing {

    private TicketProcessing() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, Set.of("work", "inbox", "first", "tickets", "critical", "threads", "operator", "expect-runs"));
        Path work = o.path("work", "target/ticket-review");
        int first = o.integer("first", 1);
        int count = o.integer("tickets", 40);
        int critical = o.integer("critical", 0);
        int threads = o.integer("threads", 4);
        Path inbox = ScannedTickets.generate(work.resolve(o.get("inbox", "inbox")), first, count, critical);
        TicketStore store = new TicketStore(work.resolve("tickets.db"));
        List<Path> files;
        try (Stream<Path> listing = Files.list(inbox)) {
            files = listing.sorted().toList();
        }

        Collection<Long> undoneInOrder = new ConcurrentLinkedQueue<>(); // items, in the order the rollback undid them
        try (SqliteLedger ledger = SqliteLedger.open(work.resolve("ledger.db"))) {
            BatchResult result = Bulwark.paths(files)
                    .name("tickets " + inbox.getFileName())
                    .handlerWithContext((file, ctx) -> {
                        Ticket t = Ticket.read(file, ctx.attempt());
                        store.store(t, ctx.jobId().toString());
                        ctx.log("read " + t.number() + ": " + t.tons() + " t of " + t.material() + " on " + t.truck());
                    })
                    // After a critical error: delete what this run stored, newest first.
                    .rollbackWithContext((file, ctx) -> {
                        int rows = store.delete(file.getFileName().toString(), ctx.jobId().toString());
                        undoneInOrder.add(ctx.seq());
                        ctx.log("rollback: deleted " + rows + " row(s) of " + file.getFileName());
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
            if (result.compensated() > 0) {
                System.out.println("  rolled back: " + result.compensated() + " ticket(s) this run had stored were deleted again");
            }
            System.out.println("  review queue: " + reviewRows + " ticket(s) in " + csv);
            System.out.println("  results: " + tickets.size() + " ticket(s) in " + xlsx);
            List<Job> runs = ledger.listJobs(JobQuery.all()).stream().sorted(Comparator.comparing(Job::createdAt)).toList();
            System.out.println("  audit trail: " + runs.size() + " run(s) in the ledger");
            for (Job run : runs) {
                var c = ledger.counts(run.id());
                System.out.printf("    %s %s %-8s %s threads=%d attempts=%d backoff=%s rollback=%s operator=%s: "
                                + "%d ok, %d to review, %d rolled back%n",
                        run.createdAt(), run.id().toString().substring(0, 8), run.status(),
                        Path.of(run.config().input().get("input")).getFileName(), run.config().concurrency(),
                        run.config().retry().maxAttempts(), run.config().retry().initialDelay(),
                        run.config().rollback() ? "yes" : "no", run.config().input().get("operator"),
                        c.succeeded(), c.failed(), c.compensated());
            }

            String expectRuns = o.get("expect-runs", null);
            if (expectRuns != null) {
                Expectations e = new Expectations("ticket-review");
                e.expect("runs in the audit trail", Integer.parseInt(expectRuns), runs.size());
                e.expect("this run's snapshot: threads, attempts, rollback", List.of(threads, 4, true),
                        List.of(result.job().config().concurrency(), result.job().config().retry().maxAttempts(),
                                result.job().config().rollback()));
                if (critical == 0) {
                    checkRun(e, result, first, count, reviewRows, csv, xlsx);
                } else {
                    checkRollback(e, result, runs, store, critical, undoneInOrder);
                }
                System.exit(e.exitCode());
            }
        }
    }

    private static void checkRun(Expectations e, BatchResult result, int first, int count, long reviewRows, Path csv,
                                 Path xlsx) throws IOException {
        IntStream numbers = IntStream.range(first, first + count);
        long unreadable = IntStream.range(first, first + count).filter(ScannedTickets::unreadable).count();
        long missing = IntStream.range(first, first + count).filter(ScannedTickets::missingWeight).count();
        long busy = numbers.filter(ScannedTickets::busy).count();
        e.expect("tickets", (long) count, result.total());
        e.expect("read", count - unreadable - missing, result.succeeded());
        Map<String, Long> byCategory = new TreeMap<>(Map.of("ocr", unreadable, "missing-field", missing));
        e.expect("review queue by category", byCategory,
                result.failures().collect(Collectors.groupingBy(Item::category, TreeMap::new, Collectors.counting())));
        e.expect("retries (two per ticket on the busy scanner)", 2 * busy, result.retries());
        e.expect("review queue CSV rows", unreadable + missing, Exports.csvRows(csv));
        e.expect("rows written to the CSV", unreadable + missing, reviewRows);
        e.expect("spreadsheet rows", count - unreadable - missing, (long) Exports.xlsxRows(xlsx));
    }

    private static dev.bulwark.Attempt successOf(BatchResult result, Item item) {
        return result.attempts(item.seq()).stream().filter(a -> a.outcome() == AttemptOutcome.SUCCEEDED).findFirst().orElseThrow();
    }

    /**
     * A run stopped by a critical error and rolled back: what it stored is gone, the items it had
     * done are COMPENSATED in the ledger, and the earlier run's tickets are all still there,
     * exactly as read from its folder.
     */
    private static void checkRollback(Expectations e, BatchResult result, List<Job> runs, TicketStore store, int critical,
                                      Collection<Long> undoneInOrder)
            throws IOException, SQLException {
        e.expect("status", "FAILED", result.status().name());
        e.expectTrue("reason: the critical ticket, then the rollback: " + result.reason(), result.reason() != null
                && result.reason().contains("calibration ticket T-24105-" + String.format(java.util.Locale.ROOT, "%04d", critical))
                && result.reason().endsWith("rolled back: " + result.compensated() + " item(s) compensated"));
        e.expectTrue("tickets compensated (this run had stored some)", result.compensated() > 0);
        e.expect("succeeded items left", 0L, result.succeeded());
        e.expect("COMPENSATED items in the ledger", result.compensated(), result.items(Set.of(ItemStatus.COMPENSATED)).count());
        e.expectTrue("each compensated item's last attempt is its compensation", result.items(Set.of(ItemStatus.COMPENSATED))
                .allMatch(i -> result.attempts(i.seq()).getLast().outcome() == AttemptOutcome.COMPENSATED));
        // newest first: compensations in the reverse order of the successes they undo
        List<Item> undone = result.items(Set.of(ItemStatus.COMPENSATED)).toList();
        List<Long> bySuccess = undone.stream().sorted(Comparator.comparing((Item i) -> successOf(result, i).finishedAt())
                .thenComparingLong(Item::seq).reversed()).map(Item::seq).toList();
        e.expect("compensated newest first (items in the order undone)", bySuccess, List.copyOf(undoneInOrder));
        e.expect("rows this run stored that are left", 0, store.stored(result.jobId().toString()).size());

        Job earlier = runs.get(0);
        List<Ticket> expected = new ArrayList<>();
        try (Stream<Path> listing = Files.list(Path.of(earlier.config().input().get("input")))) {
            for (Path file : listing.sorted().toList()) {
                try {
                    expected.add(Ticket.read(file, 3));
                } catch (PermanentException unreadable) {
                    // in the review queue, never stored
                }
            }
        }
        expected.sort(Comparator.comparing(Ticket::number));
        List<Ticket> kept = store.stored(earlier.id().toString());
        e.expectTrue("the earlier run's " + kept.size() + " tickets are intact (each as read from its folder)", expected.equals(kept));
        e.expect("rows in the table: only the earlier run's", (long) expected.size(), (long) store.all().size());
        e.expect("audit trail: status, threads, operator of each run",
                List.of("PARTIAL 4 day-shift", "FAILED 2 night-shift"),
                runs.stream().map(r -> r.status() + " " + r.config().concurrency() + " " + r.config().input().get("operator")).toList());
    }
}
