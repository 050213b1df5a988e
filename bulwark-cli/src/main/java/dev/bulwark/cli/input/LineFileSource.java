package dev.bulwark.cli.input;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bulwark.BulwarkException;
import dev.bulwark.Engine.ItemSpec;
import dev.bulwark.ValidationException;
import dev.bulwark.util.Json;
import dev.bulwark.util.FileNames;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Items from a text file: one key per line ({@code --items FILE}), one key per NUL-terminated
 * record ({@code --items FILE --null}, as {@code find -print0} writes them: keys may then hold line
 * breaks and carriage returns, kept exactly), or one JSON object per line with {@code key} and
 * optional {@code payload} and {@code scope} ({@code --items-jsonl FILE}). Empty lines (records)
 * are skipped; a trailing carriage return is removed from a line. Bad lines are refused with their
 * line (record) number. Keys read by line or record are bytes, as file names are: a key that is not
 * UTF-8 is kept exactly (its other bytes as U+EF80 to U+EFFF, see {@link FileNames}) and reaches
 * the command as the same bytes; JSON lines must be UTF-8.
 */
public final class LineFileSource implements ItemSource {
    private static final Set<String> JSONL_FIELDS = Set.of("key", "payload", "scope");

    private final Path file;
    private final String shownAs;
    private final boolean jsonl;
    /** Records end with NUL, not with a line break. */
    private final boolean nul;

    /**
     * @param file    the file to read
     * @param shownAs how the file is named in messages and the audit trail ({@code -} for stdin)
     * @param jsonl   true for JSON lines
     */
    public LineFileSource(Path file, String shownAs, boolean jsonl) {
        this(file, shownAs, jsonl, false);
    }

    /** Keys separated by NUL characters ({@code --items FILE --null}). */
    public static LineFileSource nulSeparated(Path file, String shownAs) {
        return new LineFileSource(file, shownAs, false, true);
    }

    private LineFileSource(Path file, String shownAs, boolean jsonl, boolean nul) {
        this.file = file;
        this.shownAs = shownAs;
        this.jsonl = jsonl;
        this.nul = nul;
        String option = jsonl ? "--items-jsonl " : "--items ";
        if (!Files.exists(file)) {
            throw new ValidationException(option + shownAs + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new ValidationException(option + shownAs + ": is a directory (use --input DIR to run over its files)");
        }
        if (!Files.isReadable(file)) {
            throw new ValidationException(option + shownAs + ": permission denied");
        }
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("type", jsonl ? "jsonl" : nul ? "nul" : "lines");
        d.put("file", shownAs);
        return d;
    }

    @Override
    public String defaultName() {
        return shownAs.equals("-") ? "stdin" : String.valueOf(file.getFileName());
    }

    @Override
    public Cursor open() {
        try {
            return new Lines(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
        } catch (IOException e) {
            throw new BulwarkException("cannot read " + shownAs + ": " + e.getMessage(), e);
        }
    }

    private ItemSpec parse(String line, long lineNo) {
        if (line.indexOf('\0') >= 0) { // only in a line: a NUL ends a record
            throw new ValidationException(shownAs + " line " + lineNo + ": contains a NUL character, which no item key may hold"
                    + " (for keys separated by NUL characters, add --null)");
        }
        if (!jsonl) {
            return ItemSpec.of(line);
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new ValidationException(shownAs + " line " + lineNo + ": not valid JSON ("
                    + e.getOriginalMessage() + "); expected an object like {\"key\": \"...\"}");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ValidationException(shownAs + " line " + lineNo + ": expected a JSON object with a \"key\", but got "
                    + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        for (Iterator<String> names = obj.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!JSONL_FIELDS.contains(name)) {
                throw new ValidationException(shownAs + " line " + lineNo + ": unknown field \"" + name
                        + "\" (expected key, and optionally payload and scope)");
            }
        }
        JsonNode key = obj.get("key");
        if (key == null || !key.isTextual() || key.asText().isEmpty()) {
            throw new ValidationException(shownAs + " line " + lineNo + ": \"key\" must be a non-empty string, but was "
                    + (key == null ? "missing" : key.toString()));
        }
        if (key.asText().indexOf('\0') >= 0) {
            throw new ValidationException(shownAs + " line " + lineNo + ": \"key\" contains a NUL character");
        }
        JsonNode payload = obj.get("payload");
        JsonNode scope = obj.get("scope");
        if (scope != null && !scope.isNull() && !scope.isTextual()) {
            throw new ValidationException(shownAs + " line " + lineNo + ": \"scope\" must be a string, but was " + scope);
        }
        return new ItemSpec(key.asText(), payload == null || payload.isNull() ? null : payload.toString(),
                scope == null || scope.isNull() ? null : scope.asText());
    }

    /** Reads line by line as bytes and decodes each line strictly, so a bad line is named by its number. */
    private final class Lines implements Cursor {
        private final InputStream in;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private long lineNo;
        private boolean eof;
        private ItemSpec next;

        Lines(InputStream in) {
            this.in = in;
        }

        private String readLine() throws IOException {
            if (eof) {
                return null;
            }
            line.reset();
            int b;
            int end = nul ? 0 : '\n';
            while ((b = in.read()) != -1 && b != end) {
                line.write(b);
            }
            if (b == -1) {
                eof = true;
                if (line.size() == 0) {
                    return null;
                }
            }
            lineNo++;
            if (!jsonl) { // keys such as file names: bytes that are not UTF-8 are kept (see FileNames)
                try {
                    return FileNames.text(line.toByteArray());
                } catch (IllegalArgumentException e) {
                    throw new ValidationException(shownAs + (nul ? " record " : " line ") + lineNo + ": " + e.getMessage());
                }
            }
            try {
                return decoder.decode(ByteBuffer.wrap(line.toByteArray())).toString();
            } catch (CharacterCodingException e) {
                throw new ValidationException(shownAs + " line " + lineNo + ": not valid UTF-8 text (JSON lines must be UTF-8)");
            }
        }

        @Override
        public boolean hasNext() {
            while (next == null) {
                String text;
                try {
                    text = readLine();
                } catch (IOException e) {
                    throw new BulwarkException("cannot read " + shownAs + ": " + e.getMessage(), e);
                }
                if (text == null) {
                    return false;
                }
                if (!nul && text.endsWith("\r")) {
                    text = text.substring(0, text.length() - 1);
                }
                if (text.isEmpty() || (jsonl && text.isBlank())) {
                    continue;
                }
                next = parse(text, lineNo);
            }
            return true;
        }

        @Override
        public ItemSpec next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ItemSpec n = next;
            next = null;
            return n;
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException ignored) {
                // read-only: nothing lost
            }
        }
    }
}
