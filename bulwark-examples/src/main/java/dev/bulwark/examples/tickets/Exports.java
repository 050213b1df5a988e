package dev.bulwark.examples.tickets;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.bulwark.BatchResult;
import dev.bulwark.Item;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;

/** The two exports of the ticket example: the review queue as CSV and the results as a spreadsheet. */
public final class Exports {
    static final List<String> REVIEW_COLUMNS = List.of("seq", "file", "error_class", "category", "message", "attempts");
    static final List<String> RESULT_COLUMNS = List.of("ticket", "date", "truck", "material", "tons", "file");

    private Exports() {
    }

    /** Writes the batch's FAILED items, read page by page from the ledger, as RFC 4180 CSV; returns the rows written. */
    public static long reviewQueueCsv(BatchResult result, Path file) throws IOException {
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        REVIEW_COLUMNS.forEach(schema::addColumn);
        long rows = 0;
        try (OutputStream out = Files.newOutputStream(file);
             SequenceWriter writer = new CsvMapper().writerFor(List.class).with(schema.build()).writeValues(out);
             Stream<Item> failures = result.failures()) {
            for (Item i : (Iterable<Item>) failures::iterator) {
                writer.write(List.of(Long.toString(i.seq()), i.key(), i.errorClass().name().toLowerCase(java.util.Locale.ROOT),
                        i.category(), i.message() == null ? "" : i.message(), Integer.toString(i.attempts())));
                rows++;
            }
        }
        return rows;
    }

    /** Writes the tickets as an XLSX sheet with a header row; the weight as a number. */
    public static void resultsXlsx(List<Ticket> tickets, Path file) throws IOException {
        try (Workbook book = new XSSFWorkbook(); OutputStream out = Files.newOutputStream(file)) {
            Sheet sheet = book.createSheet("tickets");
            Row header = sheet.createRow(0);
            for (int c = 0; c < RESULT_COLUMNS.size(); c++) {
                header.createCell(c).setCellValue(RESULT_COLUMNS.get(c));
            }
            int r = 1;
            for (Ticket t : tickets) {
                Row row = sheet.createRow(r++);
                row.createCell(0).setCellValue(t.number());
                row.createCell(1).setCellValue(t.date());
                row.createCell(2).setCellValue(t.truck());
                row.createCell(3).setCellValue(t.material());
                row.createCell(4).setCellValue(t.tons().doubleValue());
                row.createCell(5).setCellValue(t.file());
            }
            for (int c = 0; c < RESULT_COLUMNS.size(); c++) {
                sheet.setColumnWidth(c, 22 * 256); // fixed: autoSizeColumn needs fonts a server may not have
            }
            book.write(out);
        }
    }

    /** Data rows of the first sheet of an XLSX file (the header not counted), read back for the checks. */
    public static int xlsxRows(Path file) throws IOException {
        try (Workbook book = new XSSFWorkbook(Files.newInputStream(file))) {
            return book.getSheetAt(0).getLastRowNum();
        }
    }

    /** Data rows of a CSV file with a header line, read back for the checks. */
    public static long csvRows(Path file) throws IOException {
        CsvMapper mapper = new CsvMapper();
        try (var it = mapper.readerForListOf(String.class).with(com.fasterxml.jackson.dataformat.csv.CsvParser.Feature.WRAP_AS_ARRAY)
                .readValues(file.toFile())) {
            return it.readAll().size() - 1L;
        }
    }
}
