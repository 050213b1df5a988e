package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.util.Json;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.ItemQuery;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bulwark command in process: validation, exit codes, outputs. Commands run as real processes. */
class CliTest extends InProcessCli {
    Path inbox;

    @BeforeEach
    void setUp() throws IOException {
        inbox = Files.createDirectories(tmp.resolve("inbox"));
        for (String name : List.of("a.txt", "b.txt", "c.log", "d.txt")) {
            Files.writeString(inbox.resolve(name), "content of " + name + "\n");
        }
    }

    String onlyJobId() {
        assertThat(bulwark("list", "--home", home.toString(), "--json")).isZero();
        JsonNode jobs = Json.read(out.toString(), JsonNode.class);
        assertThat(jobs).hasSize(1);
        return jobs.get(0).get("id").asText();
    }

    @Test
    void a_clean_batch_completes_with_exit_0_and_every_outcome_recorded() {
        int code = bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--glob", "*.txt", "--", "true");
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("3 items").contains("COMPLETED").contains("succeeded 3, failed 0, skipped 0");
        String id = onlyJobId();
        assertThat(bulwark("status", "--home", home.toString(), id, "--json")).isZero();
        JsonNode status = Json.read(out.toString(), JsonNode.class);
        assertThat(status.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(status.get("counts").get("succeeded").asLong()).isEqualTo(3);
        assertThat(status.get("config").get("input").get("glob").asText()).isEqualTo("*.txt");
    }

    @Test
    void permanent_failures_make_a_partial_job_with_a_review_queue() throws IOException {
        int code = bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--permanent-exit", "3",
                "--shell", "--", "case \"$1\" in *.log) echo 'not a text file' >&2; exit 3;; esac");
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        assertThat(err.toString()).contains("review queue (1 failed)").contains("c.log");
        String id = onlyJobId();
        Path csv = tmp.resolve("review.csv");
        assertThat(bulwark("export", "--home", home.toString(), id, "--status", "FAILED", "--output", csv.toString())).isZero();
        List<Map<String, String>> rows = readCsv(csv);
        assertThat(rows).hasSize(1);
        Map<String, String> row = rows.get(0);
        assertThat(row.keySet()).containsExactlyElementsOf(Views.ITEM_COLUMNS);
        assertThat(row.get("key")).endsWith("c.log");
        assertThat(row.get("status")).isEqualTo("FAILED");
        assertThat(row.get("error_class")).isEqualTo("PERMANENT");
        assertThat(row.get("exit_code")).isEqualTo("3");
        assertThat(row.get("attempts")).isEqualTo("1");
        assertThat(Files.readString(Path.of(row.get("log")))).contains("not a text file");
    }

    @Test
    void transient_failures_are_retried_and_retry_failed_runs_only_the_failed_items() throws IOException {
        Path marker = tmp.resolve("fixed");
        String script = "case \"$1\" in *b.txt) test -e '" + marker + "' || exit 7;; esac";
        int code = bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--retries", "1",
                "--backoff", "10ms", "--shell", "--", script);
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        assertThat(err.toString()).contains("1 retries");
        String id = onlyJobId();
        Files.createFile(marker);
        assertThat(bulwark("retry-failed", "--home", home.toString(), id.substring(0, 8))).as(err.toString()).isZero();
        assertThat(err.toString()).contains("COMPLETED").contains("succeeded 4");
        assertThat(bulwark("export", "--home", home.toString(), id, "--format", "jsonl", "--output", tmp.resolve("all.jsonl").toString())).isZero();
        List<String> lines = Files.readAllLines(tmp.resolve("all.jsonl"));
        assertThat(lines).hasSize(4);
        JsonNode b = Json.read(lines.stream().filter(l -> l.contains("b.txt")).findFirst().orElseThrow(), JsonNode.class);
        assertThat(b.get("attempts").asInt()).as("attempts of the current retry budget").isEqualTo(1);
    }

    @Test
    void retry_runs_only_the_named_failed_item_again() {
        String script = "case \"$1\" in *b.txt|*c.log) exit 3;; esac";
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--retries", "0", "--shell", "--", script))
                .as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        UUID id = UUID.fromString(onlyJobId());
        List<Item> failed;
        try (SqliteLedger ledger = SqliteLedger.openReadOnly(home.resolve("ledger.db"))) {
            failed = ledger.items(id, new ItemQuery(Set.of(ItemStatus.FAILED), 0, 10));
        }
        assertThat(failed).hasSize(2);

        assertThat(bulwark("retry", "--home", home.toString(), id.toString().substring(0, 8), String.valueOf(failed.get(0).seq())))
                .as(err.toString()).isEqualTo(ExitCodes.PARTIAL);

        try (SqliteLedger ledger = SqliteLedger.openReadOnly(home.resolve("ledger.db"))) {
            assertThat(ledger.attempts(id, failed.get(0).seq())).hasSize(2);
            assertThat(ledger.attempts(id, failed.get(1).seq())).hasSize(1);
            assertThat(ledger.items(id, ItemQuery.all(10))).filteredOn(i -> i.status() == ItemStatus.SUCCEEDED)
                    .hasSize(2).allSatisfy(i -> assertThat(ledger.attempts(id, i.seq())).hasSize(1));
        }
    }

    @Test
    void retry_refuses_an_item_that_did_not_fail_and_changes_nothing() {
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--retries", "0", "--shell", "--",
                "case \"$1\" in *b.txt) exit 3;; esac")).isEqualTo(ExitCodes.PARTIAL);
        String id = onlyJobId();

        assertThat(bulwark("retry", "--home", home.toString(), id, "1", "999")).isEqualTo(64);

        assertThat(err.toString()).contains("item 1 of job " + id + " is SUCCEEDED: only a FAILED or SKIPPED item can be retried");
    }

    @Test
    void a_critical_exit_halts_the_job_with_exit_2() {
        int code = bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--critical-exit", "99",
                "--", "sh", "-c", "exit 99", "x");
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString()).contains("FAILED");
    }

    @Test
    void items_from_a_file_keep_their_order_and_skip_empty_lines() throws IOException {
        Path list = tmp.resolve("items.txt");
        Files.writeString(list, "one\r\n\ntwo words\n-dash\n", StandardCharsets.UTF_8);
        Path seen = tmp.resolve("seen.txt");
        assertThat(bulwark("run", "--home", home.toString(), "--items", list.toString(), "--shell", "--",
                "printf '%s\\n' \"$1\" >> '" + seen + "'")).as(err.toString()).isZero();
        assertThat(Files.readAllLines(seen)).containsExactly("one", "two words", "-dash");
    }

    @Test
    void jsonl_items_are_validated_with_their_line_number_before_anything_runs() throws IOException {
        Path list = tmp.resolve("items.jsonl");
        Files.writeString(list, "{\"key\":\"a\",\"payload\":{\"n\":1}}\n{\"key\":\"b\",\"colour\":\"red\"}\n");
        assertThat(bulwark("run", "--home", home.toString(), "--items-jsonl", list.toString(), "--", "true")).isEqualTo(64);
        assertThat(err.toString()).contains("line 2").contains("unknown field \"colour\"");
        assertThat(Files.exists(home.resolve("ledger.db"))).as("nothing recorded").isFalse();
    }

    @Test
    void a_json_line_that_is_not_utf8_is_named_by_its_number() throws IOException {
        Path list = tmp.resolve("bad.jsonl");
        byte[] good = "{\"key\":\"ok\"}\n\"".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = java.util.Arrays.copyOf(good, good.length + 4);
        System.arraycopy(new byte[] {(byte) 0xff, (byte) 0xfe, '"', '\n'}, 0, bytes, good.length, 4);
        Files.write(list, bytes);
        assertThat(bulwark("run", "--home", home.toString(), "--items-jsonl", list.toString(), "--", "true")).isEqualTo(64);
        assertThat(err.toString()).contains("line 2: not valid UTF-8");
    }

    @Test
    void retry_failed_on_a_halted_job_also_runs_the_items_it_skipped() throws IOException {
        Path marker = tmp.resolve("fixed");
        String script = "test -e '" + marker + "'";
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--retries", "0",
                "--max-failures", "1", "--shell", "--", script)).isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString()).contains("max-failures").contains("skipped 3");
        String id = onlyJobId();
        Files.createFile(marker);
        assertThat(bulwark("retry-failed", "--home", home.toString(), id)).as(err.toString()).isZero();
        assertThat(err.toString()).contains("COMPLETED").contains("succeeded 4, failed 0, skipped 0");
    }

    @Test
    void the_payload_and_scope_of_jsonl_items_reach_the_command() throws IOException {
        Path list = tmp.resolve("items.jsonl");
        Files.writeString(list, "{\"key\":\"a\",\"payload\":{\"n\":1},\"scope\":\"host-1\"}\n");
        Path seen = tmp.resolve("seen.txt");
        assertThat(bulwark("run", "--home", home.toString(), "--items-jsonl", list.toString(), "--shell", "--",
                "printf '%s %s %s' \"$1\" \"$BULWARK_PAYLOAD\" \"$BULWARK_SCOPE\" > '" + seen + "'")).as(err.toString()).isZero();
        assertThat(Files.readString(seen)).isEqualTo("a {\"n\":1} host-1");
    }

    @Test
    void dry_run_prints_the_commands_and_records_nothing() {
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--glob", "a.*", "--dry-run",
                "--", "gzip", "-k", "{}", "{/.}")).isZero();
        assertThat(out.toString().trim()).isEqualTo("1\tgzip -k " + inbox.resolve("a.txt") + " a");
        assertThat(Files.exists(home)).isFalse();
    }

    @Test
    void empty_input_is_refused() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThat(bulwark("run", "--home", home.toString(), "--input", empty.toString(), "--", "true")).isEqualTo(64);
        assertThat(err.toString()).contains("no items found").contains(empty.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--concurrency|abc|--concurrency (-j) must be a number N or a share of the processors N%, such as 4 or 50%, but was 'abc'",
            "--concurrency|0|--concurrency must be between 1 and 10000, but was 0",
            "--timeout|5x|--timeout must be a duration longer than 0 like 500ms",
            "--backoff|-1s|--backoff must be a duration",
            "--retries|-1|--retries must be between 0 and 999, but was -1",
            "--max-failures|lots|lots",
            "--permanent-exit|300|--permanent-exit codes must be between 1 and 255, but got 300",
            "--critical-exit|256|--critical-exit codes must be between 1 and 255, but got 256",
            "--durability|maybe|maybe"})
    void bad_option_values_are_refused_naming_the_value(String option, String value, String message) {
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), option, value, "--", "true"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains(message);
    }

    @Test
    void usage_errors_name_what_is_missing() {
        assertThat(bulwark("run", "--home", home.toString(), "--", "true")).isEqualTo(64);
        assertThat(err.toString()).contains("give --input DIR, --items FILE, --items-jsonl FILE or ::: ITEM...");
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString())).isEqualTo(64);
        assertThat(err.toString()).contains("a command is required");
        assertThat(bulwark("run", "--home", home.toString(), "--input", tmp.resolve("nope").toString(), "--", "true")).isEqualTo(64);
        assertThat(err.toString()).contains("no such directory");
        assertThat(bulwark("frobnicate")).isEqualTo(64);
        assertThat(bulwark("status", "--home", home.toString(), "1234")).isEqualTo(64);
        assertThat(err.toString()).contains("no Bulwark ledger");
    }

    @Test
    void unknown_jobs_are_reported() {
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--", "true")).isZero();
        assertThat(bulwark("status", "--home", home.toString(), "ffffffff")).isEqualTo(64);
        assertThat(err.toString()).contains("no job id starts with 'ffffffff'");
        assertThat(bulwark("resume", "--home", home.toString(), "xyz")).isEqualTo(64);
        assertThat(err.toString()).contains("'xyz' is not a job id");
        String id = onlyJobId();
        assertThat(bulwark("resume", "--home", home.toString(), id)).isEqualTo(64);
        assertThat(err.toString()).contains("is COMPLETED: nothing to resume");
    }

    @Test
    void a_failure_threshold_halts_and_a_finished_job_cannot_be_cancelled() {
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--max-failures", "1", "--retries", "0",
                "--", "false")).isEqualTo(ExitCodes.FAILED);
        String id = onlyJobId();
        assertThat(bulwark("cancel", "--home", home.toString(), id)).isEqualTo(64);
        assertThat(err.toString()).contains("already FAILED");
    }

    @Test
    void prune_forgets_old_finished_jobs_and_their_logs() {
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--", "true")).isZero();
        String id = onlyJobId();
        assertThat(Files.isDirectory(home.resolve("logs").resolve(id))).isTrue();
        assertThat(bulwark("prune", "--home", home.toString(), "--older-than", "1d")).isZero();
        assertThat(out.toString()).contains("pruned 0 jobs");
        assertThat(bulwark("prune", "--home", home.toString(), "--older-than", "0s")).isZero();
        assertThat(out.toString()).contains("pruned 1 job ");
        assertThat(Files.exists(home.resolve("logs").resolve(id))).isFalse();
        assertThat(bulwark("list", "--home", home.toString(), "--json")).isZero();
        assertThat(out.toString().trim()).isEqualTo("[]");
    }

    @Test
    void completion_prints_a_bash_script_that_knows_every_command_and_its_options() {
        assertThat(bulwark("completion", "bash")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("complete -F _complete_bulwark").contains("retry-failed").contains("--concurrency");
        assertThat(bulwark("completion", "zsh")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("bashcompinit").contains("complete -F _complete_bulwark");
        assertThat(bulwark("completion", "fish")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("fish").contains("BASH, ZSH");
    }

    @Test
    void version_names_the_commit_the_build_was_made_from() {
        assertThat(bulwark("--version")).isZero();
        assertThat(out.toString()).matches("(?s)bulwark \\S+ \\(commit ([0-9a-f]{12}|unknown), Java .*");
    }

    @Test
    void bench_without_the_benchmark_module_says_where_it_is_and_exits_64() {
        assertThat(bulwark("bench", "--items", "10")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("bench is not part of this build").contains("./bulwark bench");
    }

    static List<Map<String, String>> readCsv(Path csv) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (MappingIterator<Map<String, String>> it = new CsvMapper().readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(csv.toFile())) {
            while (it.hasNext()) {
                rows.add(it.next());
            }
        }
        return rows;
    }

    @Test
    void nul_separated_items_keep_line_breaks_and_carriage_returns_in_keys_exactly() throws IOException {
        Path made = Files.createDirectories(tmp.resolve("made"));
        List<String> keys = List.of("two\nlines", "ends with cr\r", " spaced ", "caf\u00e9");
        Path items = tmp.resolve("items.bin");
        Files.write(items, (String.join("\0", keys) + "\0\0").getBytes(StandardCharsets.UTF_8)); // an empty record is skipped
        int code = bulwark("run", "--home", home.toString(), "--items", items.toString(), "-0", "--shell", "--",
                "printf '%s' \"$1\" > \"" + made + "/$BULWARK_ITEM_SEQ\"");
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("4 items");
        for (int i = 0; i < keys.size(); i++) {
            assertThat(Files.readString(made.resolve(String.valueOf(i + 1)))).as("the key the command got").isEqualTo(keys.get(i));
        }
        assertThat(bulwark("status", "--home", home.toString(), onlyJobId(), "--json")).isZero();
        assertThat(Json.read(out.toString(), JsonNode.class).get("config").get("input").get("type").asText()).isEqualTo("nul");
    }

    @Test
    void null_without_items_and_a_nul_in_a_line_are_refused_naming_the_option() throws IOException {
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--null", "--", "true"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--null goes with --items FILE");
        Path items = Files.write(tmp.resolve("items.txt"), "a\0b\n".getBytes(StandardCharsets.UTF_8));
        assertThat(bulwark("run", "--home", home.toString(), "--items", items.toString(), "--", "true")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("line 1: contains a NUL character").contains("add --null");
        Path bad = Files.write(tmp.resolve("bad.bin"), new byte[] {'o', 'k', 0, 'x', (byte) 0xee, (byte) 0xbe, (byte) 0x80, 0});
        assertThat(bulwark("run", "--home", home.toString(), "--items", bad.toString(), "--null", "--", "true"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("record 2: x\\uef80: the name holds a character from U+EF80 to U+EFFF");
    }

    @Test
    void a_nul_separated_name_that_is_not_utf8_reaches_the_command_as_its_bytes() throws IOException {
        Path latin1 = Files.writeString(Path.of(java.net.URI.create(inbox.toUri() + "caf%E9.txt")), "latin-1 name\n");
        byte[] name = (inbox + "/caf").getBytes(StandardCharsets.UTF_8);
        byte[] record = java.util.Arrays.copyOf(name, name.length + 6);
        System.arraycopy(new byte[] {(byte) 0xe9, '.', 't', 'x', 't', 0}, 0, record, name.length, 6);
        Path list = Files.write(tmp.resolve("names.bin"), record); // as find -print0 writes it
        assertThat(Files.exists(latin1)).isTrue();
        int code = bulwark("run", "--home", home.toString(), "--items", list.toString(), "--null", "--", "cat");
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("1 item").contains("COMPLETED");
    }

    @Test
    void a_file_name_that_is_not_utf8_runs_with_its_bytes_and_is_shown_escaped() throws IOException {
        Path latin1 = Files.writeString(Path.of(java.net.URI.create(inbox.toUri() + "caf%E9.txt")), "latin-1 name\n");
        assertThat(Files.exists(latin1)).isTrue();
        // cat gets the path as an argument: it exits 0 only if the bytes name the file
        int code = bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--glob", "*.txt", "--", "cat");
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).doesNotContain("warning").contains("4 items").contains("COMPLETED");
        Path exported = tmp.resolve("raw.jsonl");
        assertThat(bulwark("export", onlyJobId(), "--home", home.toString(), "--format", "jsonl", "--output", exported.toString()))
                .isZero();
        assertThat(Files.readString(exported)).contains("\"key\":\"" + inbox + "/caf\\\\xe9.txt\"");
        // a dry run shows the command as bash reads it back: $'...\xe9...' is the byte itself
        assertThat(bulwark("run", "--home", home.toString(), "--input", inbox.toString(), "--glob", "caf*", "--dry-run", "--",
                "cat")).isZero();
        assertThat(out.toString()).contains("cat $'" + inbox + "/caf\\xe9.txt'");
    }
}
