package dev.bulwark.cli;

import dev.bulwark.util.FileNames;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Command lines shown to be pasted into a shell (dry runs, status): each word quoted so that bash,
 * zsh and ksh read it back as exactly that word. Display only: Bulwark never runs a command
 * through a shell unless {@code --shell} asks for one.
 */
final class ShellQuote {
    private ShellQuote() {
    }

    /**
     * A word as it is when it holds only safe characters; in single quotes when it holds no control
     * character; else in ANSI-C quotes {@code $'…'} with escapes ({@code \t}, {@code \n},
     * {@code \xHH}, {@code \\uHHHH}), which a POSIX {@code sh} such as dash does not read. A byte of
     * a file name that is not UTF-8 is written {@code \xHH} there too, so the line names the same file.
     */
    static String quote(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return word;
        }
        if (word.codePoints().noneMatch(ShellQuote::needsEscape)) {
            return "'" + word.replace("'", "'\\''") + "'";
        }
        StringBuilder sb = new StringBuilder("$'");
        word.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> sb.append("\\\\");
                case '\'' -> sb.append("\\'");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (isRawByte(cp)) {
                        sb.append(FileNames.escape(Character.toString(cp))); // \xNN: bash's $'…' gives the byte back
                    } else if (cp < 0x80 && needsEscape(cp)) {
                        sb.append(String.format(Locale.ROOT, "\\x%02x", cp));
                    } else if (needsEscape(cp)) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                }
            }
        });
        return sb.append('\'').toString();
    }

    /** Words joined into one line, each quoted. */
    static String line(List<String> words) {
        return words.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
    }

    /** {@code env NAME=VALUE… } before the words when there are variables to show, so the line reproduces the run. */
    static String line(Map<String, String> environment, List<String> words) {
        if (environment.isEmpty()) {
            return line(words);
        }
        return "env " + environment.entrySet().stream().map(e -> quote(e.getKey() + "=" + e.getValue()))
                .collect(Collectors.joining(" ")) + " " + line(words);
    }

    private static boolean needsEscape(int cp) {
        return Character.isISOControl(cp) || cp == 0x2028 || cp == 0x2029 || isRawByte(cp);
    }

    /** A byte of a file name that is not UTF-8, as {@link FileNames} keeps it. */
    private static boolean isRawByte(int cp) {
        return cp < 0x10000 && FileNames.hasRawBytes(Character.toString(cp));
    }
}
