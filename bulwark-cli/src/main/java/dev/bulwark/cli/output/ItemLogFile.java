package dev.bulwark.cli.output;

import dev.bulwark.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An item's log file read back: one section per attempt, each with the attempt number and the
 * output the command wrote (the header and trailer lines that Bulwark writes are left out).
 *
 * <p>It reads whatever wrote the file, as long as each attempt starts with the header line
 * {@code # bulwark job=... seq=... item=KEY scope=... attempt=N ...} and ends with the trailer
 * {@code # exit=... duration_ms=... outcome=...}. Output is read as UTF-8 text.
 */
public final class ItemLogFile {
    static final String HEADER_PREFIX = "# bulwark job=";
    private static final Pattern TRAILER = Pattern.compile("# exit=\\S+ duration_ms=\\d+ outcome=\\S+.*");

    /** One attempt's part of the log: its number, its header and trailer lines (trailer null while it runs) and its output. */
    public record Section(int attempt, String header, String output, String trailer) {
    }

    private ItemLogFile() {
    }

    /** The attempts recorded in {@code file}, in order; an empty list when the file does not exist. */
    public static List<Section> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** The output of attempt {@code attempt} (the last section with that number), or null when the log has none. */
    public static Section attempt(Path file, int attempt) throws IOException {
        Section found = null;
        for (Section s : read(file)) {
            if (s.attempt() == attempt) {
                found = s;
            }
        }
        return found;
    }

    static List<Section> parse(String text) {
        List<Section> sections = new ArrayList<>();
        String header = null;
        StringBuilder output = new StringBuilder();
        int from = 0;
        while (from < text.length()) {
            int nl = text.indexOf('\n', from);
            int end = nl < 0 ? text.length() : nl + 1;
            String line = text.substring(from, end);
            if (isHeader(line)) {
                if (header != null) {
                    sections.add(section(header, output.toString()));
                }
                header = line.strip();
                output.setLength(0);
            } else if (header != null) {
                output.append(line);
            }
            from = end;
        }
        if (header != null) {
            sections.add(section(header, output.toString()));
        }
        return sections;
    }

    /** Whether {@code line} is an attempt's header. */
    public static boolean isHeader(String line) {
        return line.startsWith(HEADER_PREFIX);
    }

    /** Whether {@code line} is an attempt's trailer. */
    public static boolean isTrailer(String line) {
        return TRAILER.matcher(line.strip()).matches();
    }

    private static Section section(String header, String body) {
        // the trailer is the last trailer-shaped line; a background process may write after it
        String trailer = null;
        int cut = -1;
        int from = 0;
        while (from < body.length()) {
            int nl = body.indexOf('\n', from);
            int end = nl < 0 ? body.length() : nl + 1;
            if (isTrailer(body.substring(from, end))) {
                trailer = body.substring(from, end).strip();
                cut = from;
            }
            from = end;
        }
        String output = cut < 0 ? body : body.substring(0, cut);
        return new Section(attemptOf(header), header, output, trailer);
    }

    /** The attempt number in a header, or 0 when it cannot be read. */
    static int attemptOf(String header) {
        String rest = afterWord(header, " item=");
        rest = rest == null ? null : afterWord(rest, " scope=");
        if (rest == null || !rest.startsWith(" attempt=")) {
            return 0;
        }
        int i = " attempt=".length();
        int j = i;
        while (j < rest.length() && Character.isDigit(rest.charAt(j))) {
            j++;
        }
        return j == i ? 0 : Integer.parseInt(rest.substring(i, j));
    }

    /** The item key written in a header, or null when it cannot be read. */
    public static String keyOf(String header) {
        int at = header.indexOf(" item=");
        if (at < 0) {
            return null;
        }
        String word = word(header.substring(at + " item=".length()));
        if (word == null) {
            return null;
        }
        return word.startsWith("\"") ? Json.read(word, String.class) : word;
    }

    /** The text after {@code label} and the word (plain, or a JSON string) that follows it. */
    private static String afterWord(String text, String label) {
        int at = text.indexOf(label);
        if (at < 0) {
            return null;
        }
        String rest = text.substring(at + label.length());
        String word = word(rest);
        return word == null ? null : rest.substring(word.length());
    }

    /** The leading word of {@code text}: a JSON string with its quotes, or the characters up to a space. */
    private static String word(String text) {
        if (text.startsWith("\"")) {
            for (int i = 1; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    return text.substring(0, i + 1);
                }
            }
            return null;
        }
        int space = text.indexOf(' ');
        return space < 0 ? text : text.substring(0, space);
    }
}
