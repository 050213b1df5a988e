package dev.bulwark.examples;

import dev.bulwark.ValidationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --name value} options of an example's command line, checked against the names it
 * knows. Immutable.
 */
public final class Options {
    private final Map<String, String> values = new HashMap<>();

    private Options() {
    }

    /** Parses {@code args}; refuses an unknown option or one without a value, naming it. */
    public static Options parse(String[] args, Set<String> known) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            ValidationException.require(name.startsWith("--") && known.contains(name.substring(2)),
                    "unknown option '" + name + "'; known: --" + String.join(", --", new java.util.TreeSet<>(known)));
            ValidationException.require(i + 1 < args.length, "option " + name + " needs a value");
            o.values.put(name.substring(2), args[++i]);
        }
        return o;
    }

    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public Path path(String name, String fallback) {
        return Path.of(get(name, fallback));
    }

    public int integer(String name, int fallback) {
        String v = values.get(name);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ValidationException("--" + name + " must be a whole number, but was '" + v + "'");
        }
    }

    /** A duration as {@code 30s}, {@code 100ms}, {@code 2m}, {@code 1h} or {@code 7d}. */
    public Duration duration(String name, String fallback) {
        String v = get(name, fallback);
        var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(v);
        ValidationException.require(m.matches(), "--" + name + " must be a duration like 100ms, 30s, 2m, 1h or 7d, but was '" + v + "'");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
