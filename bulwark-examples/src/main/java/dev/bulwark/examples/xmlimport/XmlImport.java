package dev.bulwark.examples.xmlimport;

import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemResult;
import dev.bulwark.Job;
import dev.bulwark.Retry;
import dev.bulwark.examples.Expectations;
import dev.bulwark.examples.Options;
import dev.bulwark.examples.Reports;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.JobQuery;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.xml.sax.SAXException;

/**
 * Example 3: imports a folder of XML invoices into a database with 5 concurrent imports. Broken
 * files fail permanently and land in the review queue; statistics and the job's status are
 * printed at the end; jobs older than the retention are pruned from the ledger first. Each import
 * returns what it stored (the invoice's number and total), kept with the item as a typed result.
 *
 * <pre>
 * XmlImport --input DIR --work DIR [--concurrency 5] [--retention 30d] [--expect FILE]
 * </pre>
 * The work directory holds the ledger ({@code ledger.db}), the target database
 * ({@code invoices.db}) and the item logs. With {@code --expect}, the run checks its results
 * against a properties file and exits 1 on a mismatch.
 */
public final class XmlImport {

    /** What importing one file stored: the handler's typed result, kept with the item in the ledger. */
    public record Imported(String invoice, long totalCents) {
    }

    private XmlImport() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, Set.of("input", "work", "concurrency", "retention", "expect"));
        Path input = o.path("input", "examples/xml-import/invoices");
        Path work = o.path("work", "target/xml-import");
        Files.createDirectories(work);
        InvoiceDatabase db = new InvoiceDatabase(work.resolve("invoices.db"));
        List<Path> files;
        try (Stream<Path> listing = Files.list(input)) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(".xml")).sorted().toList();
        }

        try (SqliteLedger ledger = SqliteLedger.open(work.resolve("ledger.db"))) {
            Duration retention = o.duration("retention", "30d");
            List<java.util.UUID> pruned = ledger.prune(Instant.now().minus(retention), false);
            for (java.util.UUID id : pruned) {
                Reports.deleteTree(work.resolve("logs").resolve(id.toString()));
            }
            System.out.println("xml-import: pruned " + pruned.size() + " job(s) that finished more than " + o.get("retention", "30d") + " ago");

            BatchResult result = Bulwark.paths(files)
                    .name("xml-import " + input.getFileName())
                    .handlerWithContext(Imported.class, (file, ctx) -> {
                        Invoice invoice = Invoice.read(file);
                        db.upsert(invoice, file.getFileName().toString(), ctx.jobId().toString());
                        ctx.log("imported " + invoice.number() + ": " + invoice.lines().size() + " line(s), total "
                                + Reports.money(invoice.totalCents()));
                        return new Imported(invoice.number(), invoice.totalCents());
                    })
                    .classify(SAXException.class, ErrorClass.PERMANENT, "parse")
                    .classify(SQLException.class, ErrorClass.TRANSIENT, "database")
                    .classify(IOException.class, ErrorClass.TRANSIENT, "io")
                    .concurrency(o.integer("concurrency", 5))
                    .retry(Retry.exponential(2, Duration.ofMillis(200)))
                    .describe("input", input)
                    .describe("database", "invoices.db")
                    .logDirectory(work.resolve("logs"))
                    .onProgress(p -> System.out.printf("xml-import: %3.0f%% %d/%d%n", p.percent(), p.counts().done(), p.counts().total()))
                    .ledger(ledger)
                    .run();

            long[] stored = db.countAndTotal();
            List<Job> jobs = ledger.listJobs(JobQuery.all());
            Reports.summary("xml-import", result);
            System.out.println("  database: " + stored[0] + " invoice(s), total " + Reports.money(stored[1]));
            System.out.println("  ledger: " + jobs.size() + " job(s): " + jobs.stream()
                    .map(j -> j.id().toString().substring(0, 8) + " " + j.status()).collect(Collectors.joining(", ")));
            System.out.println("  item logs: " + work.resolve("logs").resolve(result.jobId().toString()));

            String expect = o.get("expect", null);
            if (expect != null) {
                System.exit(check(Path.of(expect), result, stored, jobs.size()));
            }
        }
    }

    private static int check(Path expectFile, BatchResult result, long[] stored, int jobsInLedger) throws IOException {
        Properties expected = new Properties();
        try (InputStream in = Files.newInputStream(expectFile)) {
            expected.load(in);
        }
        Expectations e = new Expectations("xml-import");
        e.expect("files", Long.parseLong(expected.getProperty("files")), result.total());
        e.expect("imported", Long.parseLong(expected.getProperty("imported")), result.succeeded());
        e.expect("status", "PARTIAL", result.status().name());
        e.expect("invoices in the database", Long.parseLong(expected.getProperty("imported")), stored[0]);
        e.expect("total in cents", Long.parseLong(expected.getProperty("total_cents")), stored[1]);
        List<ItemResult<Imported>> imported = result.results(Imported.class).toList();
        e.expect("typed results", Long.parseLong(expected.getProperty("imported")), (long) imported.size());
        e.expect("total in cents of the typed results", Long.parseLong(expected.getProperty("total_cents")),
                imported.stream().mapToLong(r -> r.value().totalCents()).sum());
        TreeMap<String, String> failed = new TreeMap<>();
        for (String entry : expected.getProperty("failed").split(",")) {
            String[] parts = entry.split(":");
            failed.put(parts[0], parts[1]);
        }
        e.expect("review queue (file: category)", failed, result.failures().collect(Collectors.toMap(
                (Item i) -> Path.of(i.key()).getFileName().toString(), Item::category, (a, b) -> a, TreeMap::new)));
        e.expectTrue("every failure is permanent", result.failures().allMatch(i -> i.errorClass() == ErrorClass.PERMANENT));
        e.expect("jobs in the ledger after pruning", 1, jobsInLedger);
        return e.exitCode();
    }
}
