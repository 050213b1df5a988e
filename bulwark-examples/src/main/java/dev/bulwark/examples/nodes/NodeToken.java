package dev.bulwark.examples.nodes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A token to send to a node, normalised ({@code " 0163a"} → {@code 163A}) and validated before
 * anything is queued: 1 to 4 digits, optionally followed by one letter (RPC tokens carry a
 * letter, FBC tokens do not).
 *
 * @param id       the normalised token
 * @param protocol {@code FBC} or {@code RPC}
 * @param line     the line of the token list it came from
 */
public record NodeToken(String id, String protocol, int line) {
    private static final Pattern TOKEN = Pattern.compile("0*(\\d{1,4})([A-Z]?)");

    /** A line of the list that was not queued, and why. */
    public record Rejected(int line, String text, String reason) {
    }

    /** The accepted tokens (in list order) and the rejected lines. */
    public record Checked(List<NodeToken> accepted, List<Rejected> rejected) {
    }

    /** Normalises and validates the lines of a token list; blank lines and {@code #} comments are skipped. */
    public static Checked check(List<String> lines) {
        List<NodeToken> accepted = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            String text = raw.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            var m = TOKEN.matcher(text.toUpperCase(Locale.ROOT));
            if (!m.matches()) {
                rejected.add(new Rejected(i + 1, raw, "not a token: 1 to 4 digits with an optional letter, like 162 or 163a"));
                continue;
            }
            String id = Integer.parseInt(m.group(1)) + m.group(2);
            Integer earlier = firstLine.putIfAbsent(id, i + 1);
            if (earlier != null) {
                rejected.add(new Rejected(i + 1, raw, "duplicate of line " + earlier + " (both are token " + id + ")"));
                continue;
            }
            accepted.add(new NodeToken(id, m.group(2).isEmpty() ? "FBC" : "RPC", i + 1));
        }
        return new Checked(List.copyOf(accepted), List.copyOf(rejected));
    }
}
