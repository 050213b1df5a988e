package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File names and item keys that break naive command building: spaces, quotes, a newline, a
 * leading dash, {@code $(...)}, backticks, {@code ;}, braces that look like placeholders, and
 * unicode. The command must receive each one as exactly the bytes of the key (checked by having
 * it copy the file and write its argument and {@code $BULWARK_ITEM} to files that are compared
 * byte for byte), with and without {@code --shell}; nothing in a key may ever run (no
 * {@code PWNED} file anywhere); and the exports (CSV, parsed with a real CSV parser, and JSON
 * lines) give the keys back exactly.
 */
class HostileInputIT {
    private static final Pattern JOB_LINE = Pattern.compile("(?m)^bulwark: job ([0-9a-f-]{36}) \\(");

    /** File names: each is also the file's content, so a copy of the wrong file shows. */
    private static final List<String> FILE_NAMES = List.of(
            "with space.txt",
            "  two leading spaces and trailing ",
            "single'quote.txt",
            "double\"quote.txt",
            "new\nline.txt",
            "-leading-dash.txt",
            "--help",
            "$(touch PWNED).txt",
            "`touch PWNED_BACKTICK`.txt",
            "a;touch PWNED_SEMICOLON;b.txt",
            "pipe|touch PWNED_PIPE&&x>y<z.txt",
            "$HOME and ${PATH} and $1.txt",
            "{} and {#} and {.} and {attempt}.txt",
            "back\\slash\ttab.txt",
            "star*question?[bracket].txt",
            "café é.txt",
            "日本語のファイル.txt",
            "emoji 😀🎉.txt");

    /** Keys given directly (--items-jsonl), where a leading dash starts the argument itself. */
    private static final List<String> KEYS = List.of(
            "-n",
            "--version",
            "-rf",
            "plain",
            "it's \"quoted\"",
            "line1\nline2\n",
            "cr\rinside",
            "$(touch PWNED_KEY)",
            "`touch PWNED_KEY_BACKTICK`",
            "x; touch PWNED_KEY_SEMICOLON",
            "{}",
            "{#}{attempt}",
            " lead and trail ",
            ",comma,\"csv\",",
            "é 日本 😀");

    @TempDir
    Path work;

    private Path input;

    @BeforeEach
    void createFiles() throws IOException {
        assumeTrue(utf8(System.getProperty("sun.jnu.encoding")), "the JVM's platform encoding is "
                + System.getProperty("sun.jnu.encoding") + ", so it cannot name files with é, 日本 or emoji; run the "
                + "tests under a UTF-8 locale (the failsafe configuration sets LC_ALL=C.UTF-8)");
        input = Files.createDirectories(work.resolve("in"));
        for (String name : FILE_NAMES) {
            Files.writeString(input.resolve(name), "content of <" + name + ">\n", StandardCharsets.UTF_8);
        }
        try (Stream<Path> files = Files.list(input)) {
            assertThat(files.count()).as("files created").isEqualTo(FILE_NAMES.size());
        }
    }

    @Test
    void hostileFileNamesReachTheCommandExactlyWithoutShell() throws IOException {
        Path out = Files.createDirectories(work.resolve("out-argv"));
        // sh only as the program that records its arguments: no --shell, the key is one argv element.
        String recorder = "cp -- \"$1\" \"$2.copy\" && printf '%s' \"$1\" > \"$2.arg\" "
                + "&& printf '%s' \"$BULWARK_ITEM\" > \"$2.env\"";
        BulwarkProcess.Result run = BulwarkProcess.run(work, "run", "--home", "home", "--input", "in", "--quiet",
                "--", "sh", "-c", recorder, "sh", "{}", out + "/{#}").expectExit(0);
        UUID job = jobId(run);

        Map<Long, String> keys = checkExports(job, expectedFileKeys());
        for (Map.Entry<Long, String> e : keys.entrySet()) {
            Path original = work.resolve(e.getValue());
            assertThat(out.resolve(e.getKey() + ".copy")).as("copy of %s", e.getValue()).hasSameBinaryContentAs(original);
            assertThat(out.resolve(e.getKey() + ".arg")).as("argument for %s", e.getValue())
                    .hasBinaryContent(e.getValue().getBytes(StandardCharsets.UTF_8));
            assertThat(out.resolve(e.getKey() + ".env")).as("BULWARK_ITEM for %s", e.getValue())
                    .hasBinaryContent(e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        assertNothingInjected();
    }

    @Test
    void hostileFileNamesReachTheScriptExactlyWithShell() throws IOException {
        Path out = Files.createDirectories(work.resolve("out-shell"));
        Path byName = Files.createDirectories(work.resolve("out-basename"));
        // Placeholders bare, inside double quotes, and the positional parameter: all must be the key, unspliced.
        String script = "cp -- {} \"$OUT/$BULWARK_ITEM_SEQ.copy\""
                + " && printf '%s' {} > \"$OUT/{#}.bare\""
                + " && printf '%s' \"{}\" > \"$OUT/{#}.quoted\""
                + " && printf '%s' \"$1\" > \"$OUT/{#}.positional\""
                + " && cp -- \"$1\" \"$BY_NAME/\"{/}";
        BulwarkProcess.in(work).env("OUT", out.toString()).env("BY_NAME", byName.toString())
                .run("run", "--home", "home", "--input", "in", "--shell", "--quiet", "--", script).expectExit(0);

        // The exports were checked with the same keys without --shell; here the files tell each item's key.
        List<String> received = new ArrayList<>();
        for (int seq = 1; seq <= FILE_NAMES.size(); seq++) {
            byte[] key = Files.readAllBytes(out.resolve(seq + ".positional"));
            String keyText = new String(key, StandardCharsets.UTF_8);
            received.add(keyText);
            for (String kind : List.of("bare", "quoted")) {
                assertThat(out.resolve(seq + "." + kind)).as("%s {} for %s", kind, keyText).hasBinaryContent(key);
            }
            assertThat(out.resolve(seq + ".copy")).as("copy of %s", keyText).hasSameBinaryContentAs(work.resolve(keyText));
        }
        assertThat(received).as("$1 of each item").containsExactlyInAnyOrderElementsOf(expectedFileKeys());
        // {/} gave every basename exactly: the copies by basename are the input files again.
        try (Stream<Path> copies = Files.list(byName)) {
            assertThat(copies.map(p -> p.getFileName().toString()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(FILE_NAMES);
        }
        for (String name : FILE_NAMES) {
            assertThat(byName.resolve(name)).hasSameBinaryContentAs(input.resolve(name));
        }
        assertNothingInjected();
    }

    @Test
    void hostileKeysAreAppendedAsOneArgumentAndExportedExactly() throws IOException {
        Path out = Files.createDirectories(work.resolve("out-keys"));
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (String key : KEYS) {
            lines.add(json.writeValueAsString(Map.of("key", key)));
        }
        Files.write(work.resolve("keys.jsonl"), lines, StandardCharsets.UTF_8);
        // No placeholder: the key is appended as the last argument, so it is $1 of the recorder.
        String recorder = "printf '%s' \"$1\" > \"$OUT/$BULWARK_ITEM_SEQ.arg\" "
                + "&& printf '%s' \"$BULWARK_ITEM\" > \"$OUT/$BULWARK_ITEM_SEQ.env\" && printf '%s' \"$#\" > \"$OUT/$BULWARK_ITEM_SEQ.argc\"";
        BulwarkProcess.Result run = BulwarkProcess.in(work).env("OUT", out.toString())
                .run("run", "--home", "home", "--items-jsonl", "keys.jsonl", "--quiet", "--", "sh", "-c", recorder, "sh")
                .expectExit(0);
        UUID job = jobId(run);

        Map<Long, String> expected = new TreeMap<>();
        for (int i = 0; i < KEYS.size(); i++) {
            expected.put((long) i + 1, KEYS.get(i));
        }
        Map<Long, String> keys = checkExports(job, Set.copyOf(KEYS));
        assertThat(keys).as("keys by sequence number (input order)").isEqualTo(expected);
        for (Map.Entry<Long, String> e : keys.entrySet()) {
            byte[] key = e.getValue().getBytes(StandardCharsets.UTF_8);
            assertThat(out.resolve(e.getKey() + ".arg")).as("argument for %s", e.getValue()).hasBinaryContent(key);
            assertThat(out.resolve(e.getKey() + ".env")).as("BULWARK_ITEM for %s", e.getValue()).hasBinaryContent(key);
            assertThat(out.resolve(e.getKey() + ".argc")).as("argument count for %s", e.getValue()).hasContent("1");
        }
        assertNothingInjected();
    }

    private Set<String> expectedFileKeys() {
        return FILE_NAMES.stream().map(n -> "in/" + n).collect(Collectors.toSet());
    }

    /**
     * Exports the job as JSON lines and as CSV, checks both hold exactly the expected keys, every
     * item SUCCEEDED, and agree with each other; returns the keys by sequence number.
     */
    private Map<Long, String> checkExports(UUID job, Set<String> expectedKeys) throws IOException {
        BulwarkProcess.Result jsonl = BulwarkProcess.run(work, "export", job.toString(), "--home", "home",
                "--format", "jsonl").expectExit(0);
        Map<Long, String> fromJsonl = new TreeMap<>();
        for (JsonNode row : jsonl.jsonLines()) {
            assertThat(row.get("status").asText()).as("status of %s", row).isEqualTo("SUCCEEDED");
            assertThat(fromJsonl.put(row.get("seq").asLong(), row.get("key").asText())).isNull();
        }
        assertThat(fromJsonl.values()).as("keys in the JSON lines export")
                .containsExactlyInAnyOrderElementsOf(expectedKeys);

        BulwarkProcess.Result csv = BulwarkProcess.run(work, "export", job.toString(), "--home", "home",
                "--format", "csv").expectExit(0);
        Map<Long, String> fromCsv = new LinkedHashMap<>();
        CsvMapper mapper = new CsvMapper();
        try (MappingIterator<Map<String, String>> rows = mapper.readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(csv.stdout())) {
            while (rows.hasNext()) {
                Map<String, String> row = rows.next();
                assertThat(row.get("status")).as("status in CSV row %s", row).isEqualTo("SUCCEEDED");
                assertThat(fromCsv.put(Long.parseLong(row.get("seq")), row.get("key"))).isNull();
            }
        }
        assertThat(fromCsv).as("the CSV export gives back the same keys as the JSON lines export")
                .isEqualTo(fromJsonl);
        return fromJsonl;
    }

    private void assertNothingInjected() throws IOException {
        try (Stream<Path> all = Files.walk(work)) {
            assertThat(all.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("PWNED")).toList())
                    .as("files created by text inside a key").isEmpty();
        }
    }

    private static UUID jobId(BulwarkProcess.Result run) {
        Matcher m = JOB_LINE.matcher(run.stderr());
        assertThat(m.find()).as("job line in\n%s", run).isTrue();
        return UUID.fromString(m.group(1));
    }

    private static boolean utf8(String charset) {
        try {
            return charset != null && Charset.forName(charset).equals(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
