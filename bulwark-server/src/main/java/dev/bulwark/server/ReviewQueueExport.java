package dev.bulwark.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
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
 */
public final class ReviewQueueExport {
    /** The columns of both formats. */
    public static final List<String> COLUMNS = List.of("seq", "key", "scope", "attempts", "error_class", "category", "message",
            "exit_code", "duration_ms", "started_at", "finished_at");
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
        SXSSFWorkbook book = new SXSSFWorkbook(ROWS_IN_MEMORY);
        book.setCompressTempFiles(true);
        try {
            SXSSFSheet sheet = book.createSheet("review queue");
            CellStyle time = book.createCellStyle();
            time.setDataFormat(book.createDataFormat().getFormat("yyyy-mm-dd hh:mm:ss.000"));
            CellStyle header = book.createCellStyle();
            Font bold = book.createFont();
            bold.setBold(true);
            header.setFont(bold);
            Row head = sheet.createRow(0);
            for (int c = 0; c < COLUMNS.size(); c++) {
                Cell cell = head.createCell(c);
                cell.setCellValue(COLUMNS.get(c));
                cell.setCellStyle(header);
            }
            sheet.createFreezePane(0, 1);
            int[] next = {1};
            forEachFailed(ledger, jobId, i -> {
                Row row = sheet.createRow(next[0]++);
                int c = 0;
                row.createCell(c++).setCellValue(i.seq());
                text(row, c++, i.key());
                text(row, c++, i.scope());
                row.createCell(c++).setCellValue(i.attempts());
                text(row, c++, i.errorClass() == null ? null : i.errorClass().name());
                text(row, c++, i.category());
                text(row, c++, i.message());
                number(row, c++, i.exitCode());
                number(row, c++, i.durationMs());
                time(row, c++, i.startedAt(), time);
                time(row, c, i.finishedAt(), time);
            });
            book.write(out);
            out.flush();
        } finally {
            book.close();
            book.dispose();
        }
    }

    private static void forEachFailed(Ledger ledger, UUID jobId, Consumer<Item> row) {
        ItemQuery query = new ItemQuery(Set.of(ItemStatus.FAILED), 0, PAGE);
        for (List<Item> page = ledger.items(jobId, query); !page.isEmpty(); page = ledger.items(jobId, query)) {
            page.forEach(row);
            query = new ItemQuery(query.statuses(), page.getLast().seq(), PAGE);
        }
    }

    private static List<Object> csvRow(Item i) {
        List<Object> r = new ArrayList<>(COLUMNS.size());
        r.add(i.seq());
        r.add(safe(i.key()));
        r.add(safe(i.scope()));
        r.add(i.attempts());
        r.add(i.errorClass() == null ? null : i.errorClass().name());
        r.add(safe(i.category()));
        r.add(safe(i.message()));
        r.add(i.exitCode());
        r.add(i.durationMs());
        r.add(i.startedAt() == null ? null : i.startedAt().toString());
        r.add(i.finishedAt() == null ? null : i.finishedAt().toString());
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

    private static void text(Row row, int c, String value) {
        if (value != null) {
            row.createCell(c).setCellValue(value.length() > MAX_CELL ? value.substring(0, MAX_CELL - 1) + "…" : value);
        }
    }

    private static void number(Row row, int c, Number value) {
        if (value != null) {
            row.createCell(c).setCellValue(value.doubleValue());
        }
    }

    private static void time(Row row, int c, Instant value, CellStyle style) {
        if (value != null) {
            Cell cell = row.createCell(c);
            cell.setCellValue(LocalDateTime.ofInstant(value, ZoneOffset.UTC));
            cell.setCellStyle(style);
        }
    }
}
