package dev.bulwark.cli;

import dev.bulwark.ValidationException;
import dev.bulwark.util.Choices;

/** Parsing of option values that picocli cannot check by itself, with messages naming the bad value. */
final class Options {
    private Options() {
    }

    /** One of an enum's constants, written in any case ({@code soon}, {@code HALT}). */
    static <E extends Enum<E>> E choice(String value, String option, Class<E> type) {
        return Choices.of(value, option, type);
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
