package dev.bulwark.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.util.FileNames;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Font;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.xssf.streaming.SXSSFSheet;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;

/**
 * A job's review queue (its FAILED items, with why they failed) as CSV or as an XLSX
 * spreadsheet, streamed page by page from the ledger so that a million rows need no more than a
 * small heap: the XLSX writer keeps {@value #ROWS_IN_MEMORY} rows in memory and spills the rest
 * to a compressed temporary file, deleted when the workbook is written.
 *
 * <p>Columns, in this order: {@link #COLUMNS}. In XLSX, numbers are numeric cells and times are
 * date cells (UTC); in CSV, times are ISO-8601 instants. Item keys and messages come from users:
 * in CSV a value that a spreadsheet would take for a formula ({@code = + - @}, tab, carriage
 * return first) is prefixed with {@code '}; in XLSX every text is a plain string cell, never a
 * formula. Stateless and thread-safe.
 *
 * <p>The XLSX writer serves any export of a job's items ({@code bulwark export --format xlsx}):
 * {@link #writeXlsx(Ledger, UUID, Set, List, String, OutputStream)} takes the states and the
 * {@link Column}s.
 */
public final class ReviewQueueExport {
    /**
     * A column of an item export: its header, and its value for an item, typed: a {@link Number}
     * (a numeric cell), an {@link Instant} (a date cell, UTC), a {@link String} (a string cell) or null
     * (no cell).
     */
    public record Column(String name, Function<Item, Object> value) {
    }

    private static final List<Column> REVIEW = List.of(
            new Column("seq", Item::seq), new Column("key", i -> FileNames.escape(i.key())), new Column("scope", Item::scope),
            new Column("attempts", Item::attempts), new Column("error_class", i -> i.errorClass() == null ? null : i.errorClass().name()),
            new Column("category", Item::category), new Column("message", Item::message),
            new Column("exit_code", Item::exitCode), new Column("duration_ms", Item::durationMs),
            new Column("started_at", Item::startedAt), new Column("finished_at", Item::finishedAt));
    /** The columns of both formats. */
    public static final List<String> COLUMNS = REVIEW.stream().map(Column::name).toList();
    /** The media type of the XLSX file. */
    public static final String XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    /** Rows the XLSX writer keeps in memory. */
    static final int ROWS_IN_MEMORY = 100;
    /** The most characters a spreadsheet cell holds; longer messages are cut (with an ellipsis). */
    static final int MAX_CELL = 32_767;
    private static final int PAGE = 1_000;

    private ReviewQueueExport() {
    }

    /** Writes the FAILED items of the job as CSV with a header row; does not close {@code out}. */
    public static void writeCsv(Ledger ledger, UUID jobId, Writer out) throws IOException {
        CsvMapper csv = CsvMapper.builder().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET).build();
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        COLUMNS.forEach(schema::addColumn);
        try (SequenceWriter rows = csv.writer(schema.build()).writeValues(out)) {
            IOException[] failure = new IOException[1];
            forEachFailed(ledger, jobId, i -> {
                if (failure[0] != null) {
                    return;
                }
                try {
                    rows.write(csvRow(i));
                } catch (IOException e) {
                    failure[0] = e;
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
        }
        out.flush();
    }

    /** Writes the FAILED items of the job as an XLSX workbook with one sheet; does not close {@code out}. */
    public static void writeXlsx(Ledger ledger, UUID jobId, OutputStream out) throws IOException {
        writeXlsx(ledger, jobId, Set.of(ItemStatus.FAILED), REVIEW, "review queue", out);
    }

    /**
     * Writes the job's items in {@code statuses} (null: all), in sequence order, as an XLSX workbook
     * with one sheet of the given columns under a bold, frozen header row; does not close {@code out}.
     */
    public static void writeXlsx(Ledger ledger, UUID jobId, Set<ItemStatus> statuses, List<Column> columns, String sheetName,
                                 OutputStream out) throws IOException {
        SXSSFWorkbook book = new SXSSFWorkbook(ROWS_IN_MEMORY);
        book.setCompressTempFiles(true);
        try {
            SXSSFSheet sheet = book.createSheet(sheetName);
            CellStyle time = book.createCellStyle();
            time.setDataFormat(book.createDataFormat().getFormat("yyyy-mm-dd hh:mm:ss.000"));
            CellStyle header = book.createCellStyle();
            Font bold = book.createFont();
            bold.setBold(true);
            header.setFont(bold);
            Row head = sheet.createRow(0);
            for (int c = 0; c < columns.size(); c++) {
                Cell cell = head.createCell(c);
                cell.setCellValue(columns.get(c).name());
                cell.setCellStyle(header);
            }
            sheet.createFreezePane(0, 1);
            int[] next = {1};
            forEach(ledger, jobId, statuses, i -> {
                Row row = sheet.createRow(next[0]++);
                for (int c = 0; c < columns.size(); c++) {
                    cell(row, c, columns.get(c).value().apply(i), time);
                }
            });
            book.write(out);
            out.flush();
        } finally {
            book.close();
            book.dispose();
        }
    }

    private static void forEachFailed(Ledger ledger, UUID jobId, Consumer<Item> row) {
        forEach(ledger, jobId, Set.of(ItemStatus.FAILED), row);
    }

    private static void forEach(Ledger ledger, UUID jobId, Set<ItemStatus> statuses, Consumer<Item> row) {
        ItemQuery query = new ItemQuery(statuses, 0, PAGE);
        for (List<Item> page = ledger.items(jobId, query); !page.isEmpty(); page = ledger.items(jobId, query)) {
            page.forEach(row);
            query = new ItemQuery(query.statuses(), page.getLast().seq(), PAGE);
        }
    }

    private static List<Object> csvRow(Item i) {
        List<Object> r = new ArrayList<>(REVIEW.size());
        for (Column column : REVIEW) {
            r.add(switch (column.value().apply(i)) {
                case Instant at -> at.toString();
                case String text -> safe(text);
                case null -> null;
                case Object other -> other;
            });
        }
        return r;
    }

    /** A value a spreadsheet opening the CSV would run as a formula, made plain text. */
    static String safe(String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        char first = value.charAt(0);
        return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r' ? "'" + value : value;
    }

    private static void cell(Row row, int c, Object value, CellStyle timeStyle) {
        switch (value) {
            case null -> { }
            case Number n -> row.createCell(c).setCellValue(n.doubleValue());
            case Instant at -> {
                Cell cell = row.createCell(c);
                cell.setCellValue(LocalDateTime.ofInstant(at, ZoneOffset.UTC));
                cell.setCellStyle(timeStyle);
            }
            default -> {
                String text = value.toString();
                row.createCell(c).setCellValue(text.length() > MAX_CELL ? text.substring(0, MAX_CELL - 1) + "…" : text);
            }
        }
    }
}
