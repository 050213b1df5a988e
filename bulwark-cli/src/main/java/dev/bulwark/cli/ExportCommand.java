package dev.bulwark.cli;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.bulwark.BulwarkException;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.util.Json;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.server.ReviewQueueExport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bulwark export JOB}: the items of a job with their outcomes; {@code --status FAILED} is the review queue. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes a job's items with their outcomes as CSV, JSON lines or an XLSX spreadsheet (read-only).",
                "Columns: seq, key, status, attempts, error_class, category, message, exit_code, duration_ms, "
                        + "started_at, finished_at, log, result (what a Java handler returned). The review queue is --status FAILED.",
                "XLSX has typed cells (numbers, UTC date-times) and is streamed (a million rows in a small heap); "
                        + "being binary, it needs --output FILE when standard output is a terminal."})
public final class ExportCommand extends JobCommand {
    private static final int PAGE = 1_000;

    public enum Format { CSV, JSONL, XLSX }

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "csv", description = "csv, jsonl or xlsx. Default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--status", paramLabel = "STATUS", split = ",",
            description = "Only items in these states: ${COMPLETION-CANDIDATES} (comma-separated).")
    List<ItemStatus> statuses;

    @Option(names = "--output", paramLabel = "FILE", description = "Write to FILE (replaced atomically) instead of standard output.")
    Path output;

    @Override
    public Integer call() throws IOException {
        try (Ledger ledger = homeOptions.openReader()) {
            Job found = jobIn(ledger);
            if (output == null) {
                if (format == Format.XLSX && Terminal.stdoutIsTerminal()) {
                    throw new dev.bulwark.ValidationException("--format xlsx writes a binary file: give --output FILE (for example "
                            + "--output review.xlsx), or redirect standard output to a file");
                }
                OutputStream out = new java.io.BufferedOutputStream(nonClosing(System.out));
                write(ledger, found, out);
                out.flush();
                return ExitCodes.COMPLETED;
            }
            Path target = output.toAbsolutePath();
            Path dir = target.getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new dev.bulwark.ValidationException("--output " + output + ": no such directory " + dir);
            }
            if (Files.isDirectory(target)) {
                throw new dev.bulwark.ValidationException("--output " + output + ": is a directory");
            }
            Path tmp = Files.createTempFile(dir, ".bulwark-export-", ".tmp");
            try {
                try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp))) {
                    write(ledger, found, out);
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            spec.commandLine().getErr().println("bulwark: wrote " + output);
            return ExitCodes.COMPLETED;
        } catch (IOException e) {
            throw new BulwarkException("cannot write the export: " + Home.describe(e), e);
        }
    }

    private void write(Ledger ledger, Job found, OutputStream out) throws IOException {
        if (format == Format.XLSX) {
            ReviewQueueExport.writeXlsx(ledger, found.id(), statuses == null ? null : new HashSet<>(statuses), Views.ITEM_VALUES,
                    "items", out);
            return;
        }
        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        write(ledger, found, w);
        w.flush();
    }

    private void write(Ledger ledger, Job found, Writer w) throws IOException {
        ItemQuery query = new ItemQuery(statuses == null ? null : new HashSet<>(statuses), 0, PAGE);
        if (format == Format.JSONL) {
            for (List<Item> page = ledger.items(found.id(), query); !page.isEmpty(); page = ledger.items(found.id(), query)) {
                for (Item item : page) {
                    w.write(Json.write(Views.item(item)));
                    w.write('\n');
                }
                query = next(query, page);
            }
            return;
        }
        CsvMapper csv = CsvMapper.builder().disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET).build();
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        Views.ITEM_COLUMNS.forEach(schema::addColumn);
        try (SequenceWriter rows = csv.writer(schema.build()).writeValues(w)) {
            for (List<Item> page = ledger.items(found.id(), query); !page.isEmpty(); page = ledger.items(found.id(), query)) {
                for (Item item : page) {
                    rows.write(Views.item(item));
                }
                query = next(query, page);
            }
        }
    }

    private static ItemQuery next(ItemQuery query, List<Item> page) {
        return new ItemQuery(query.statuses(), page.get(page.size() - 1).seq(), query.limit());
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
