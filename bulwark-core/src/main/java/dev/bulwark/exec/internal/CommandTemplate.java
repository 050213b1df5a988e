package dev.bulwark.exec.internal;

import dev.bulwark.util.KeyParts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * A command with GNU-parallel style placeholders, compiled once and expanded per attempt.
 *
 * <h2>Placeholders</h2>
 * <table>
 *   <caption>Placeholders and what they become for the key {@code data/in/a.tar.gz}</caption>
 *   <tr><th>text</th><th>value</th><th>example</th></tr>
 *   <tr><td>{@code {}}</td><td>the item key</td><td>{@code data/in/a.tar.gz}</td></tr>
 *   <tr><td>{@code {/}}</td><td>basename: the key after its last {@code /}</td><td>{@code a.tar.gz}</td></tr>
 *   <tr><td>{@code {.}}</td><td>the key without its extension</td><td>{@code data/in/a.tar}</td></tr>
 *   <tr><td>{@code {/.}}</td><td>basename without extension</td><td>{@code a.tar}</td></tr>
 *   <tr><td>{@code {//}}</td><td>dirname, {@code .} when the key has no {@code /}</td><td>{@code data/in}</td></tr>
 *   <tr><td>{@code {#}}</td><td>the item's 1-based sequence number</td><td>{@code 17}</td></tr>
 *   <tr><td>{@code {%}}</td><td>the 1-based concurrency slot</td><td>{@code 2}</td></tr>
 *   <tr><td>{@code {attempt}}</td><td>the 1-based attempt number</td><td>{@code 1}</td></tr>
 *   <tr><td>{@code {job}}</td><td>the job id</td><td>a UUID</td></tr>
 * </table>
 *
 * <p>The path rules are GNU parallel's: {@code {/}} is {@code s:.*\/::}; {@code {.}} removes a last
 * {@code .} and what follows only when that part is not empty and holds no {@code /}
 * ({@code s:\.[^/.]+$::}, so {@code sub.dir/file} and {@code file.} stay as they are, and
 * {@code .bashrc} becomes empty); {@code {//}} is Perl's {@code File::Basename::dirname} ({@code a}
 * → {@code .}, {@code /a} → {@code /}, {@code a/b/} → {@code a}).
 *
 * <p>Placeholders may sit inside an argument ({@code out/{/.}.gz}). Any other braced text
 * ({@code {1}}, {@code {foo}}, {@code {print $1}}, {@code {=perl=}}) is <b>not</b> a placeholder
 * and stays literal, so awk programs and {@code find -exec} style arguments survive; GNU
 * parallel's positional and perl-expression forms are not supported. If no argument contains a
 * placeholder, the key is appended as the last argument (as GNU parallel and xargs do).
 *
 * <h2>Argv mode (the default)</h2>
 * Expansion happens per argv element and never joins elements into a string: whatever the key
 * holds (spaces, quotes, {@code $(...)}, newlines, a leading {@code -}, any unicode) ends up inside
 * the one argument that held the placeholder, verbatim. No shell ever sees it.
 *
 * <h2>Shell mode</h2>
 * See {@link #rewriteShellScript(String)}: placeholders in a shell script are never replaced by
 * the key's text (that would be command injection); they become quoted references to the
 * positional parameter {@code $1} (the key) or to {@code BULWARK_*} environment variables.
 *
 * <p>Immutable and thread-safe; {@link #expand} allocates only the resulting strings.
 */
public final class CommandTemplate {

    /** The placeholders, with their text and, for shell mode, the parameter that holds their value. */
    public enum Placeholder {
        KEY("{}", "1"),
        BASENAME("{/}", "BULWARK_ITEM_BASENAME"),
        NO_EXTENSION("{.}", "BULWARK_ITEM_NOEXT"),
        BASENAME_NO_EXTENSION("{/.}", "BULWARK_ITEM_BASENAME_NOEXT"),
        DIRNAME("{//}", "BULWARK_ITEM_DIRNAME"),
        SEQ("{#}", "BULWARK_ITEM_SEQ"),
        SLOT("{%}", "BULWARK_SLOT"),
        ATTEMPT("{attempt}", "BULWARK_ATTEMPT"),
        JOB("{job}", "BULWARK_JOB_ID");

        private final String text;
        private final String shellParameter;

        Placeholder(String text, String shellParameter) {
            this.text = text;
            this.shellParameter = shellParameter;
        }

        /** The placeholder as written in a command, e.g. {@code {/.}}. */
        public String text() {
            return text;
        }

        /** The shell parameter holding the value in shell mode: {@code 1} or an environment variable name. */
        public String shellParameter() {
            return shellParameter;
        }
    }

    private static final Placeholder[] PLACEHOLDERS = Placeholder.values();

    /** Per argument: a String when it has no placeholder, else an Object[] of String and Placeholder segments. */
    private final Object[] args;
    private final boolean appendKey;
    private final int size;

    private CommandTemplate(Object[] args, boolean appendKey) {
        this.args = args;
        this.appendKey = appendKey;
        this.size = args.length + (appendKey ? 1 : 0);
    }

    /** Parses {@code command} (argv with placeholders) once. */
    public static CommandTemplate compile(List<String> command) {
        Objects.requireNonNull(command, "command");
        Object[] args = new Object[command.size()];
        boolean any = false;
        for (int i = 0; i < args.length; i++) {
            String arg = Objects.requireNonNull(command.get(i), "command argument");
            Object[] segments = parse(arg);
            if (segments == null) {
                args[i] = arg;
            } else {
                args[i] = segments;
                any = true;
            }
        }
        return new CommandTemplate(args, !any);
    }

    /** Whether the key is appended as the last argument because no argument has a placeholder. */
    public boolean appendsKey() {
        return appendKey;
    }

    /** Expands the command for one attempt: one string per argv element, never joined or re-split. */
    public List<String> expand(String key, long seq, int slot, int attempt, UUID jobId) {
        return expand(key, seq, slot, attempt, jobId, null);
    }

    /**
     * Like {@link #expand(String, long, int, int, UUID)}, passing each placeholder's value through
     * {@code escape} (percent-encoding for a URL), or as it is when {@code escape} is null.
     */
    public List<String> expand(String key, long seq, int slot, int attempt, UUID jobId, UnaryOperator<String> escape) {
        String[] out = new String[size];
        for (int i = 0; i < args.length; i++) {
            Object arg = args[i];
            if (arg instanceof String s) {
                out[i] = s;
            } else {
                Object[] segments = (Object[]) arg;
                if (segments.length == 1) {
                    out[i] = escaped(value((Placeholder) segments[0], key, seq, slot, attempt, jobId), escape);
                } else {
                    StringBuilder sb = new StringBuilder(64 + key.length());
                    for (Object segment : segments) {
                        if (segment instanceof String s) {
                            sb.append(s);
                        } else {
                            sb.append(escaped(value((Placeholder) segment, key, seq, slot, attempt, jobId), escape));
                        }
                    }
                    out[i] = sb.toString();
                }
            }
        }
        if (appendKey) {
            out[args.length] = key;
        }
        return Arrays.asList(out);
    }

    private static String escaped(String value, UnaryOperator<String> escape) {
        return escape == null ? value : escape.apply(value);
    }

    private static String value(Placeholder p, String key, long seq, int slot, int attempt, UUID jobId) {
        return switch (p) {
            case KEY -> key;
            case BASENAME -> KeyParts.basename(key);
            case NO_EXTENSION -> KeyParts.removeExtension(key);
            case BASENAME_NO_EXTENSION -> KeyParts.removeExtension(KeyParts.basename(key));
            case DIRNAME -> KeyParts.dirname(key);
            case SEQ -> Long.toString(seq);
            case SLOT -> Integer.toString(slot);
            case ATTEMPT -> Integer.toString(attempt);
            case JOB -> String.valueOf(jobId);
        };
    }

    /** Splits an argument into literal and placeholder segments, or returns null when it has no placeholder. */
    private static Object[] parse(String arg) {
        int brace = arg.indexOf('{');
        if (brace < 0) {
            return null;
        }
        List<Object> segments = null;
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < arg.length()) {
            char c = arg.charAt(i);
            Placeholder p = c == '{' ? placeholderAt(arg, i) : null;
            if (p == null) {
                literal.append(c);
                i++;
                continue;
            }
            if (segments == null) {
                segments = new ArrayList<>();
            }
            if (!literal.isEmpty()) {
                segments.add(literal.toString());
                literal.setLength(0);
            }
            segments.add(p);
            i += p.text.length();
        }
        if (segments == null) {
            return null;
        }
        if (!literal.isEmpty()) {
            segments.add(literal.toString());
        }
        return segments.toArray();
    }

    /** The placeholder starting at {@code text[i]} (which is a {@code {}), or null. */
    static Placeholder placeholderAt(String text, int i) {
        for (Placeholder p : PLACEHOLDERS) {
            if (text.startsWith(p.text, i)) {
                return p;
            }
        }
        return null;
    }

    /** Whether {@code text} contains a placeholder. */
    public static boolean hasPlaceholder(String text) {
        for (int i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) {
            if (placeholderAt(text, i) != null) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- shell mode

    /**
     * Rewrites the placeholders of a shell script ({@code --shell}) into parameter references, so
     * the key is never pasted into the script's text. The script then runs as
     * {@code sh -c SCRIPT bulwark KEY}: {@code $1} is the key, and the other values are in
     * environment variables ({@link Placeholder#shellParameter()}).
     *
     * <p>What a placeholder becomes depends on where it stands, following the shell's quoting:
     * <ul>
     *   <li>unquoted: {@code "${1}"} (or {@code "${BULWARK_ITEM_SEQ}"}, …): one word, no splitting
     *       or globbing — so {@code gzip -k {}} and {@code out/{/.}.gz} work as expected;</li>
     *   <li>inside double quotes, and in the body of a here-document with an unquoted delimiter:
     *       {@code ${1}} (the surrounding quotes already protect it);</li>
     *   <li>inside single quotes, in a here-document with a quoted delimiter, in comments, and
     *       right after a {@code $} (so {@code ${#}} stays the shell's parameter count):
     *       left as it is. Single-quoted text is literal for the shell, and is often code for
     *       another interpreter ({@code awk '{print}'}, {@code sh -c '...'}); pasting the key
     *       there would be an injection one level down.</li>
     * </ul>
     *
     * <p>A mistake in following the quotes can only change how the value is split or shown, never
     * run it: whatever is inserted is a parameter expansion, whose result the shell does not parse
     * again. Scripts that hand the value on to another interpreter's code ({@code sh -c "..."},
     * {@code ssh host "..."}) must quote it for that interpreter themselves; {@code "$1"} can always
     * be used directly.
     */
    public static String rewriteShellScript(String script) {
        if (!hasPlaceholder(script)) {
            return script;
        }
        return new ShellRewriter(script).rewrite();
    }

    /** Follows the shell's quoting well enough to place parameter references (see {@link #rewriteShellScript}). */
    private static final class ShellRewriter {
        private static final int TOP = 0;
        private static final int DOUBLE = 1;

        private final String s;
        private final StringBuilder out;
        /** Contexts: TOP for the script and each {@code $(...)}, DOUBLE for each {@code "..."}; with the paren depth of TOP ones. */
        private int[] kinds = new int[8];
        private int[] parens = new int[8];
        private int depth;
        private final List<String[]> pendingHeredocs = new ArrayList<>();
        private int i;

        ShellRewriter(String script) {
            this.s = script;
            this.out = new StringBuilder(script.length() + 32);
            kinds[0] = TOP;
        }

        String rewrite() {
            int n = s.length();
            while (i < n) {
                char c = s.charAt(i);
                boolean dq = kinds[depth] == DOUBLE;
                if (c == '\\') {
                    copy(Math.min(2, n - i));
                } else if (c == '{' && (i == 0 || s.charAt(i - 1) != '$') && placeholderAt(s, i) != null) {
                    Placeholder p = placeholderAt(s, i);
                    out.append(dq ? "${" + p.shellParameter + "}" : "\"${" + p.shellParameter + "}\"");
                    i += p.text.length();
                } else if (c == '$' && i + 1 < n && s.charAt(i + 1) == '(') {
                    push(TOP);
                    copy(2);
                } else if (c == '"') {
                    if (dq) {
                        depth--;
                    } else {
                        push(DOUBLE);
                    }
                    copy(1);
                } else if (dq) {
                    copy(1);
                } else if (c == '\'') {
                    int end = s.indexOf('\'', i + 1);
                    copy((end < 0 ? n : end + 1) - i);
                } else if (c == '#' && wordStart()) {
                    int end = s.indexOf('\n', i);
                    copy((end < 0 ? n : end) - i);
                } else if (c == '(') {
                    parens[depth]++;
                    copy(1);
                } else if (c == ')') {
                    if (parens[depth] > 0) {
                        parens[depth]--;
                    } else if (depth > 0) {
                        depth--;
                    }
                    copy(1);
                } else if (c == '<' && s.startsWith("<<", i) && !s.startsWith("<<<", i)) {
                    heredocOperator();
                } else if (c == '\n' && !pendingHeredocs.isEmpty()) {
                    copy(1);
                    heredocBodies();
                } else {
                    copy(1);
                }
            }
            return out.toString();
        }

        private void copy(int count) {
            out.append(s, i, i + count);
            i += count;
        }

        private void push(int kind) {
            depth++;
            if (depth == kinds.length) {
                kinds = Arrays.copyOf(kinds, depth * 2);
                parens = Arrays.copyOf(parens, depth * 2);
            }
            kinds[depth] = kind;
            parens[depth] = 0;
        }

        private boolean wordStart() {
            if (i == 0) {
                return true;
            }
            char prev = s.charAt(i - 1);
            return Character.isWhitespace(prev) || prev == ';' || prev == '&' || prev == '|' || prev == '(' || prev == ')';
        }

        /** {@code <<WORD}, {@code <<-WORD}, {@code <<'WORD'}, {@code <<"WORD"}, {@code <<\WORD}: remember the delimiter. */
        private void heredocOperator() {
            int n = s.length();
            copy(2);
            boolean stripTabs = i < n && s.charAt(i) == '-';
            if (stripTabs) {
                copy(1);
            }
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                copy(1);
            }
            StringBuilder word = new StringBuilder();
            boolean quoted = false;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '\'' || c == '"') {
                    int end = s.indexOf(c, i + 1);
                    end = end < 0 ? n : end;
                    word.append(s, i + 1, end);
                    quoted = true;
                    copy(Math.min(end + 1, n) - i);
                } else if (c == '\\' && i + 1 < n) {
                    word.append(s.charAt(i + 1));
                    quoted = true;
                    copy(2);
                } else if (Character.isWhitespace(c) || ";&|<>()".indexOf(c) >= 0) {
                    break;
                } else {
                    word.append(c);
                    copy(1);
                }
            }
            if (!word.isEmpty()) {
                pendingHeredocs.add(new String[] {word.toString(), stripTabs ? "-" : "", quoted ? "q" : ""});
            }
        }

        /** Copies the bodies of the pending here-documents, which start after the current newline. */
        private void heredocBodies() {
            int n = s.length();
            for (String[] doc : pendingHeredocs) {
                String delimiter = doc[0];
                boolean stripTabs = !doc[1].isEmpty();
                boolean quoted = !doc[2].isEmpty();
                while (i < n) {
                    int end = s.indexOf('\n', i);
                    int lineEnd = end < 0 ? n : end;
                    String line = s.substring(i, lineEnd);
                    String bare = stripTabs ? line.replaceFirst("^\t+", "") : line;
                    if (!quoted && !bare.equals(delimiter)) {
                        for (int k = 0; k < line.length(); ) {
                            Placeholder p = line.charAt(k) == '{' && (k == 0 || line.charAt(k - 1) != '$') ? placeholderAt(line, k) : null;
                            if (p != null) {
                                out.append("${").append(p.shellParameter).append('}');
                                k += p.text.length();
                            } else {
                                out.append(line.charAt(k++));
                            }
                        }
                        i = lineEnd;
                    } else {
                        copy(lineEnd - i);
                    }
                    if (i < n) {
                        copy(1);
                    }
                    if (bare.equals(delimiter)) {
                        break;
                    }
                }
            }
            pendingHeredocs.clear();
        }
    }
}
