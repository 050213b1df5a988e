package dev.bulwark.util;

import dev.bulwark.ValidationException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Human durations: parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}, {@code 1h30m}; formats them back. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    private Durations() {
    }

    /** Parses a duration; {@code what} names the option in the error message. */
    public static Duration parse(String text, String what) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        String expected = what + " must be a duration like 500ms, 30s, 5m, 2h, 7d or 1h30m, but was '" + text + "'";
        ValidationException.require(!value.isEmpty(), expected);
        if (value.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        Matcher m = PART.matcher(value);
        int at = 0;
        double nanos = 0;
        while (m.find()) {
            ValidationException.require(m.start() == at, expected);
            double amount = Double.parseDouble(m.group(1));
            nanos += amount * switch (m.group(2)) {
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> 86400e9;
            };
            at = m.end();
        }
        ValidationException.require(at == value.length() && at > 0, expected);
        ValidationException.require(nanos < 1e18, what + " is too long: '" + text + "'");
        return Duration.ofNanos((long) nanos);
    }

    /** {@code 1.5s}, {@code 250ms}, {@code 3m20s}, {@code 2h5m}. */
    public static String format(Duration d) {
        if (d == null) {
            return "-";
        }
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return (ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(Locale.ROOT, "%.1f", ms / 1000.0)) + "s";
        }
        long s = d.toSeconds();
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
        }
        if (s < 86400) {
            return (s / 3600) + "h" + ((s % 3600) / 60 == 0 ? "" : ((s % 3600) / 60) + "m");
        }
        return (s / 86400) + "d" + ((s % 86400) / 3600 == 0 ? "" : ((s % 86400) / 3600) + "h");
    }
}
