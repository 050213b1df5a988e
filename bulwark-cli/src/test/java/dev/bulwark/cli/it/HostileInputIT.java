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

    /**
     * File names that are not UTF-8, as the bytes the file system holds (percent-encoded here), with
     * the form Bulwark shows them in: latin-1, bytes that start no sequence, UTF-8 mixed with stray
     * bytes, an encoded surrogate and an overlong sequence (both invalid in UTF-8).
     */
    private static final Map<String, String> RAW_NAMES = Map.of(
            "caf%E9.txt", "caf\\xe9.txt",
            "%FF%FE%20both.bin", "\\xff\\xfe both.bin",
            "%C3%A9-%E9-%80-%C3.txt", "\u00e9-\\xe9-\\x80-\\xc3.txt",
            "%ED%A0%80surrogate", "\\xed\\xa0\\x80surrogate",
            "fail-%C0%AFoverlong", "fail-\\xc0\\xafoverlong");

    /**
     * Names that are not UTF-8 run with their exact bytes: the command's argument and
     * {@code $BULWARK_ITEM} are compared byte for byte with the name, the file is copied through
     * its argument, status and exports show each such byte as {@code \xNN}, and after a crash
     * ({@code kill -9}) {@code resume} runs the rest with the bytes read back from the ledger.
     */
    @Test
    void namesThatAreNotUtf8ReachTheCommandByteForByteAndResume() throws IOException {
        Path raw = Files.createDirectories(work.resolve("raw"));
        Path out = Files.createDirectories(work.resolve("out-raw"));
        Map<String, byte[]> nameBytes = new TreeMap<>();
        for (String encoded : RAW_NAMES.keySet()) {
            Path file = Path.of(java.net.URI.create(raw.toUri() + encoded));
            Files.write(file, ("content of " + encoded + "\n").getBytes(StandardCharsets.US_ASCII));
            nameBytes.put(encoded, percentDecoded(encoded));
        }
        // A UTF-8 name holding U+EF80, which stands for the byte 0x80 in keys: skipped, with a warning.
        Files.writeString(Path.of(java.net.URI.create(raw.toUri() + "reserved-%EE%BE%80")), "x");

        // The second item waits for a go file (the first time) so that the run can be crashed while it runs.
        String recorder = "if [ \"$BULWARK_ITEM_SEQ\" = 2 ] && [ ! -e \"$OUT/go\" ]; then : > \"$OUT/waiting\";"
                + " while [ ! -e \"$OUT/go\" ]; do sleep 0.05; done; exit 75; fi;"
                + " cp -- \"$1\" \"$2.copy\" && printf '%s' \"$1\" > \"$2.arg\" && printf '%s' \"$BULWARK_ITEM\" > \"$2.env\""
                + " && case \"$1\" in *fail-*) exit 2;; esac";
        UUID job;
        try (BulwarkProcess run = BulwarkProcess.in(work).env("OUT", out.toString())
                .start("run", "--home", "home", "--input", "raw", "--quiet", "--retries", "0", "--permanent-exit", "2",
                        "--", "sh", "-c", recorder, "sh", "{}", out + "/{#}")) {
            job = run.awaitJobId();
            BulwarkProcess.await(() -> Files.exists(out.resolve("waiting")) || !run.isAlive(), BulwarkProcess.COMMAND_TIMEOUT,
                    run::describe);
            assertThat(run.isAlive()).as("the run waits in item 2: %s", run.describe()).isTrue();
            assertThat(run.stderr()).as("warning for the reserved character")
                    .contains("skipped raw/reserved-\\uef80: the name holds a character from U+EF80 to U+EFFF");
            List<ProcessHandle> orphans = run.crash();
            orphans.forEach(ProcessHandle::destroyForcibly);
            BulwarkProcess.awaitGone(orphans, BulwarkProcess.COMMAND_TIMEOUT);
        }
        Files.createFile(out.resolve("go"));
        BulwarkProcess.Result resumed = BulwarkProcess.in(work).env("OUT", out.toString())
                .run("resume", job.toString(), "--home", "home", "--quiet");
        assertThat(resumed.exitCode()).as("PARTIAL: the fail- item failed on purpose\n%s", resumed).isEqualTo(1);

        // Every item ran once to the end with its exact bytes.
        Map<String, String> shownByEncoded = new TreeMap<>();
        RAW_NAMES.forEach((encoded, shown) -> shownByEncoded.put(encoded, "raw/" + shown));
        Map<Long, String> shownBySeq = new TreeMap<>();
        BulwarkProcess.Result jsonl = BulwarkProcess.run(work, "export", job.toString(), "--home", "home",
                "--format", "jsonl").expectExit(0);
        for (JsonNode row : jsonl.jsonLines()) {
            String key = row.get("key").asText();
            assertThat(row.get("status").asText()).as("status of %s", key)
                    .isEqualTo(key.contains("fail-") ? "FAILED" : "SUCCEEDED");
            shownBySeq.put(row.get("seq").asLong(), key);
        }
        assertThat(shownBySeq.values()).as("keys in the export, escaped")
                .containsExactlyInAnyOrderElementsOf(shownByEncoded.values());
        for (Map.Entry<Long, String> e : shownBySeq.entrySet()) {
            String encoded = shownByEncoded.entrySet().stream().filter(n -> n.getValue().equals(e.getValue()))
                    .findFirst().orElseThrow().getKey();
            byte[] expected = concat("raw/".getBytes(StandardCharsets.US_ASCII), nameBytes.get(encoded));
            assertThat(out.resolve(e.getKey() + ".arg")).as("argument for %s", e.getValue()).hasBinaryContent(expected);
            assertThat(out.resolve(e.getKey() + ".env")).as("BULWARK_ITEM for %s", e.getValue()).hasBinaryContent(expected);
            assertThat(out.resolve(e.getKey() + ".copy")).as("copy of %s", e.getValue())
                    .hasBinaryContent(("content of " + encoded + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        String status = BulwarkProcess.run(work, "status", job.toString(), "--home", "home").out();
        assertThat(status).as("status").contains("raw/fail-\\xc0\\xafoverlong: exit:2");
    }

    private static byte[] percentDecoded(String encoded) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                bytes.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
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
