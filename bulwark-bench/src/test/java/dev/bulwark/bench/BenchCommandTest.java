package dev.bulwark.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.cli.Main;
import dev.bulwark.jdbc.PgTestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/** {@code bulwark bench} through the command line, with this module on the class path as the launcher puts it. */
class BenchCommandTest {

    @Test
    void bench_is_found_on_the_class_path_and_prints_one_json_line() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true),
                "bench", "--items", "2000", "--concurrency", "8", "--store", "memory");
        assertThat(code).as(err.toString()).isZero();
        JsonNode line = new ObjectMapper().readTree(out.toString());
        assertThat(line.get("items").asLong()).isEqualTo(2000);
        assertThat(line.get("items_per_s").asDouble()).isPositive();
    }

    @Test
    void postgresql_store_drains_the_job_with_worker_processes_on_a_fresh_schema_and_drops_it() throws Exception {
        try (PgTestDatabase db = PgTestDatabase.create("bench_workers")) {
            String url = db.url();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true),
                    "bench", "--items", "2000", "--concurrency", "8", "--store", url, "--workers", "2");

            assertThat(code).as(err.toString()).isZero();
            JsonNode line = new ObjectMapper().readTree(out.toString());
            assertThat(line.get("store").asText()).isEqualTo("postgresql");
            assertThat(line.get("workers").asInt()).isEqualTo(2);
            assertThat(line.get("items").asLong()).isEqualTo(2000);
            assertThat(line.get("succeeded").asLong()).isEqualTo(2000);
            assertThat(line.get("items_per_s").asDouble()).isPositive();
            try (Connection c = DriverManager.getConnection(url);
                 ResultSet rs = c.createStatement().executeQuery(
                         "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'bench\\_%'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("the benchmark's schema is dropped").isZero();
            }
        }
    }

    @Test
    void bad_store_and_workers_without_postgresql_are_refused_with_the_value() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), "bench", "--store", "mysql");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--store must be memory, sqlite or postgresql://HOST[:PORT]/DB?user=NAME, but was 'mysql'");

        err.getBuffer().setLength(0);
        code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), "bench", "--store", "memory", "--workers", "2");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--workers needs --store postgresql://..., but the store was memory");

        err.getBuffer().setLength(0);
        code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), "bench", "--store",
                "postgresql://127.0.0.1:5432/test?user=postgres", "--items-from", "items.txt");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--items-from needs --store memory or sqlite");
    }
}
