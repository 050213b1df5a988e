package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bulwark export --format xlsx} of a job run with real processes, read back with Apache POI. */
class ExportXlsxTest {
    @TempDir
    Path tmp;

    StringWriter out;
    StringWriter err;

    int bulwark(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    String runJob(Path home) throws IOException {
        Path present = Files.writeString(tmp.resolve("present.txt"), "x");
        int code = bulwark("run", "--home", home.toString(), "--retries", "0", "--", "ls",
                ":::", present.toString(), tmp.resolve("missing.txt").toString());
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        assertThat(bulwark("list", "--home", home.toString(), "--json")).isZero();
        JsonNode job = Json.read(out.toString(), JsonNode.class).get(0);
        return job.get("id").asText();
    }

    static List<Row> rows(Path xlsx) throws IOException {
        try (InputStream in = Files.newInputStream(xlsx); XSSFWorkbook book = new XSSFWorkbook(in)) {
            Sheet sheet = book.getSheetAt(0);
            List<Row> rows = new ArrayList<>();
            sheet.forEach(rows::add);
            return rows;
        }
    }

    static List<String> header(Row row) {
        List<String> names = new ArrayList<>();
        row.forEach(c -> names.add(c.getStringCellValue()));
        return names;
    }

    static Cell cell(Row row, String column) {
        return row.getCell(Views.ITEM_COLUMNS.indexOf(column));
    }

    @Test
    void an_xlsx_export_has_a_row_per_item_with_numbers_and_timestamps_as_typed_cells() throws IOException {
        Path home = tmp.resolve("home");
        String id = runJob(home);
        Path xlsx = tmp.resolve("items.xlsx");
        assertThat(bulwark("export", "--home", home.toString(), id, "--format", "xlsx", "--output", xlsx.toString()))
                .as(err.toString()).isZero();
        assertThat(err.toString()).contains("wrote " + xlsx);

        List<Row> rows = rows(xlsx);
        assertThat(rows).hasSize(3);
        assertThat(header(rows.get(0))).containsExactlyElementsOf(Views.ITEM_COLUMNS);
        Row ok = rows.get(1);
        Row failed = rows.get(2);
        assertThat(cell(ok, "seq").getCellType()).isEqualTo(CellType.NUMERIC);
        assertThat(cell(ok, "seq").getNumericCellValue()).isEqualTo(1.0);
        assertThat(cell(ok, "key").getStringCellValue()).endsWith("present.txt");
        assertThat(cell(ok, "status").getStringCellValue()).isEqualTo("SUCCEEDED");
        assertThat(cell(ok, "attempts").getNumericCellValue()).isEqualTo(1.0);
        assertThat(cell(ok, "exit_code").getNumericCellValue()).isZero();
        assertThat(cell(ok, "duration_ms").getCellType()).isEqualTo(CellType.NUMERIC);
        assertThat(cell(ok, "message")).isNull();
        Cell started = cell(ok, "started_at");
        assertThat(started.getCellType()).isEqualTo(CellType.NUMERIC);
        assertThat(DateUtil.isCellDateFormatted(started)).isTrue();
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
        assertThat(started.getLocalDateTimeCellValue()).isCloseTo(now, within(5, ChronoUnit.MINUTES));
        assertThat(DateUtil.isCellDateFormatted(cell(ok, "finished_at"))).isTrue();
        assertThat(cell(ok, "finished_at").getLocalDateTimeCellValue()).isAfterOrEqualTo(started.getLocalDateTimeCellValue());
        assertThat(cell(ok, "log").getStringCellValue()).isNotBlank();

        assertThat(cell(failed, "seq").getNumericCellValue()).isEqualTo(2.0);
        assertThat(cell(failed, "status").getStringCellValue()).isEqualTo("FAILED");
        assertThat(cell(failed, "exit_code").getCellType()).isEqualTo(CellType.NUMERIC);
        assertThat(cell(failed, "exit_code").getNumericCellValue()).isEqualTo(2.0);
        assertThat(cell(failed, "message").getCellType()).isEqualTo(CellType.STRING);
    }

    @Test
    void an_xlsx_export_of_the_review_queue_holds_only_the_failed_items() throws IOException {
        Path home = tmp.resolve("home");
        String id = runJob(home);
        Path xlsx = tmp.resolve("review.xlsx");
        assertThat(bulwark("export", "--home", home.toString(), id.substring(0, 8), "--format", "XLSX", "--status", "FAILED",
                "--output", xlsx.toString())).as(err.toString()).isZero();
        List<Row> rows = rows(xlsx);
        assertThat(rows).hasSize(2);
        assertThat(cell(rows.get(1), "key").getStringCellValue()).endsWith("missing.txt");
    }

    @Test
    void an_unknown_format_is_refused_naming_the_formats() {
        assertThat(bulwark("export", "--home", tmp.resolve("home").toString(), "abcd", "--format", "xls")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("xls").containsIgnoringCase("csv").containsIgnoringCase("xlsx");
    }
}
