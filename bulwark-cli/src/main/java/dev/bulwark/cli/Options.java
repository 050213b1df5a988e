package dev.bulwark.cli;

import dev.bulwark.ValidationException;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.internal.Durations;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parsing of option values that picocli cannot check by itself, with messages naming the bad value. */
final class Options {
    private Options() {
    }

    /** One of an enum's constants, written in any case ({@code soon}, {@code HALT}). */
    static <E extends Enum<E>> E choice(String value, String option, Class<E> type) {
        String expected = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(option + " must be one of " + expected + ", but was '" + value + "'");
        }
    }

    /** {@code --breaker-open D[,grow=F,max=D]}. */
    static BreakerPolicy breakerOpen(BreakerPolicy policy, String text) {
        String usage = "--breaker-open must look like 60s or 30s,grow=2,max=10m, but was '" + text + "'";
        String[] parts = text.split(",");
        Duration open = Durations.parse(parts[0].trim(), "--breaker-open");
        double grow = 1.0;
        Duration max = null;
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            ValidationException.require(kv.length == 2, usage);
            switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "grow" -> {
                    try {
                        grow = Double.parseDouble(kv[1].trim());
                    } catch (NumberFormatException e) {
                        throw new ValidationException("--breaker-open grow must be a number like 2, but was '" + kv[1] + "'");
                    }
                }
                case "max" -> max = Durations.parse(kv[1].trim(), "--breaker-open max");
                default -> throw new ValidationException(usage);
            }
        }
        ValidationException.require(grow > 1.0 || max == null || max.equals(open),
                "--breaker-open max needs grow=F (F > 1) to matter, in '" + text + "'");
        return policy.withOpen(open, grow, max != null ? max : grow > 1.0 ? open.multipliedBy(60) : open);
    }

    /**
     * Splits a command line into words the way a shell would, without expanding anything:
     * whitespace separates words, single quotes keep everything, double quotes keep everything but
     * backslash escapes of {@code " \\ $ `}, and a backslash outside quotes keeps the next character.
     */
    static java.util.List<String> words(String line, String option) {
        java.util.List<String> words = new java.util.ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                if (word == null) {
                    word = new StringBuilder();
                }
                if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '\\') {
                    ValidationException.require(i + 1 < line.length(), option + " ends with a lone backslash: '" + line + "'");
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
            }
        }
        ValidationException.require(quote == 0, option + " has an unclosed " + (quote == '"' ? "double" : "single")
                + " quote: '" + line + "'");
        if (word != null) {
            words.add(word.toString());
        }
        ValidationException.require(!words.isEmpty(), option + " must not be empty");
        return words;
    }
}
