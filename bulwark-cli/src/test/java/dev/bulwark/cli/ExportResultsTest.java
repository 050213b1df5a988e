package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.Bulwark;
import dev.bulwark.PermanentException;
import dev.bulwark.util.Json;
import dev.bulwark.jdbc.SqliteLedger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.poi.ss.usermodel.Row;
import org.junit.jupiter.api.Test;

/** {@code bulwark export} shows the typed results a Java batch stored in the home's ledger, in every format. */
class ExportResultsTest extends InProcessCli {
    private static final String STORED = "{\"name\":\"a.webp\",\"bytes\":512}";

    /** What converting one file produced. */
    record Converted(String name, long bytes) {
    }

    /** A job run through the Java API on the home's ledger: item 1 returned a result, item 2 failed. */
    private String jobWithResults() throws IOException {
        Files.createDirectories(home);
        try (SqliteLedger ledger = SqliteLedger.open(home.resolve("ledger.db"))) {
            return Bulwark.strings(List.of("a.png", "bad.png")).name("convert")
                    .handler(Converted.class, file -> {
                        if (file.startsWith("bad")) {
                            throw new PermanentException("decode", "not an image");
                        }
                        return new Converted("a.webp", 512);
                    })
                    .ledger(ledger).run().jobId().toString();
        }
    }

    @Test
    void csv_jsonl_and_xlsx_exports_show_the_stored_result_of_each_item() throws IOException {
        String id = jobWithResults();
        Path csv = tmp.resolve("items.csv");
        Path jsonl = tmp.resolve("items.jsonl");
        Path xlsx = tmp.resolve("items.xlsx");

        assertThat(bulwark("export", "--home", home.toString(), id, "--output", csv.toString())).as(err.toString()).isZero();
        assertThat(bulwark("export", "--home", home.toString(), id, "--format", "jsonl", "--output", jsonl.toString()))
                .as(err.toString()).isZero();
        assertThat(bulwark("export", "--home", home.toString(), id, "--format", "xlsx", "--output", xlsx.toString()))
                .as(err.toString()).isZero();

        List<Map<String, String>> rows = CliTest.readCsv(csv);
        assertThat(rows).extracting(r -> r.get("result")).containsExactly(STORED, "");
        List<String> lines = Files.readAllLines(jsonl);
        assertThat(Json.read(lines.get(0), JsonNode.class).get("result").asText()).isEqualTo(STORED);
        assertThat(Json.read(lines.get(1), JsonNode.class).get("result").isNull()).isTrue();
        List<Row> sheet = ExportXlsxTest.rows(xlsx);
        assertThat(ExportXlsxTest.cell(sheet.get(1), "result").getStringCellValue()).isEqualTo(STORED);
        assertThat(ExportXlsxTest.cell(sheet.get(2), "result")).isNull();
    }
}
