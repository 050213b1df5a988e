package dev.bulwark.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
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
}
