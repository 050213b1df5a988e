package dev.bulwark.util;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A glob pattern matched in time linear in the name's length (times the pattern's length), with
 * the syntax of {@link java.nio.file.FileSystem#getPathMatcher}: {@code *} (any characters but
 * {@code /}), {@code **} (any characters), {@code ?} (one character but {@code /}), {@code [a-z]}
 * and {@code [!a-z]} (one character of a class, never {@code /}), {@code {a,b}} (one of the
 * alternatives, not nested), and {@code \} escaping the next character.
 *
 * <p>The JDK's matcher turns a glob into a backtracking regular expression: a pattern such as
 * {@code *a*a*a*a*a*a*a*a*a*a*b} against a long name takes exponential time. This one runs the
 * pattern as a set of states over the name's characters, so no pattern can hold a request thread
 * (or a {@code bulwark run --glob}) for long. Immutable and thread-safe.
 */
public final class Glob {
    /** The longest pattern accepted, in characters. */
    public static final int MAX_LENGTH = 1024;
    /** The most alternatives that the brace groups of one pattern may spell out. */
    public static final int MAX_ALTERNATIVES = 256;

    /** One step of a pattern: a single character it accepts, or a repetition ({@code *}, {@code **}). */
    private record Step(Kind kind, char literal, String set, boolean negated) {
        boolean accepts(char c) {
            return switch (kind) {
                case LITERAL -> c == literal;
                case ONE, STAR -> c != '/';
                case ANY_STAR -> true;
                case CLASS -> c != '/' && inClass(c) != negated;
            };
        }

        boolean repeats() {
            return kind == Kind.STAR || kind == Kind.ANY_STAR;
        }

        /** {@code set} holds pairs of characters: ranges from the first to the second. */
        private boolean inClass(char c) {
            for (int i = 0; i < set.length(); i += 2) {
                if (c >= set.charAt(i) && c <= set.charAt(i + 1)) {
                    return true;
                }
            }
            return false;
        }
    }

    private enum Kind { LITERAL, ONE, CLASS, STAR, ANY_STAR }

    private final List<Step[]> alternatives;

    private Glob(List<Step[]> alternatives) {
        this.alternatives = alternatives;
    }

    /**
     * Compiles {@code pattern}.
     *
     * @throws IllegalArgumentException naming what is wrong: too long, an unclosed {@code [} or
     *                                  {@code {}, a nested {@code {}, too many alternatives
     */
    public static Glob compile(String pattern) {
        if (pattern.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("it is longer than " + MAX_LENGTH + " characters");
        }
        List<List<Step>> alts = new ArrayList<>();
        alts.add(new ArrayList<>());
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == '{') {
                int close = pattern.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("the '{' at position " + i + " is not closed");
                }
                String body = pattern.substring(i + 1, close);
                if (body.indexOf('{') >= 0) {
                    throw new IllegalArgumentException("'{' groups cannot be nested (position " + i + ")");
                }
                List<List<Step>> options = new ArrayList<>();
                for (String option : body.split(",", -1)) {
                    options.add(steps(option));
                }
                if ((long) alts.size() * options.size() > MAX_ALTERNATIVES) {
                    throw new IllegalArgumentException("its '{...}' groups spell out more than " + MAX_ALTERNATIVES + " alternatives");
                }
                List<List<Step>> next = new ArrayList<>();
                for (List<Step> a : alts) {
                    for (List<Step> o : options) {
                        List<Step> joined = new ArrayList<>(a);
                        joined.addAll(o);
                        next.add(joined);
                    }
                }
                alts = next;
                i = close + 1;
                continue;
            }
            int end = nextBrace(pattern, i);
            List<Step> part = steps(pattern.substring(i, end));
            alts.forEach(a -> a.addAll(part));
            i = end;
        }
        return new Glob(alts.stream().map(a -> a.toArray(Step[]::new)).toList());
    }

    /** Where the next unescaped {@code {} outside a class is, or the end. */
    private static int nextBrace(String p, int from) {
        boolean inClass = false;
        for (int i = from; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '[') {
                inClass = true;
            } else if (c == ']') {
                inClass = false;
            } else if (c == '{' && !inClass) {
                return i;
            }
        }
        return p.length();
    }

    private static List<Step> steps(String p) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            switch (c) {
                case '\\' -> {
                    if (i + 1 >= p.length()) {
                        throw new IllegalArgumentException("it ends with a lone '\\'");
                    }
                    steps.add(literal(p.charAt(++i)));
                }
                case '?' -> steps.add(new Step(Kind.ONE, '\0', "", false));
                case '*' -> {
                    boolean any = i + 1 < p.length() && p.charAt(i + 1) == '*';
                    if (any) {
                        i++;
                    }
                    Step star = new Step(any ? Kind.ANY_STAR : Kind.STAR, '\0', "", false);
                    // runs of stars match what one does: keep one, so the states stay few
                    if (steps.isEmpty() || !steps.getLast().repeats()) {
                        steps.add(star);
                    } else if (any) {
                        steps.set(steps.size() - 1, star);
                    }
                }
                case '[' -> i = charClass(p, i, steps);
                case '}' -> throw new IllegalArgumentException("the '}' at position " + i + " closes no '{'");
                default -> steps.add(literal(c));
            }
        }
        return steps;
    }

    /** Parses the class opening at {@code open}, adds its step, and returns the index of its {@code ]}. */
    private static int charClass(String p, int open, List<Step> steps) {
        int i = open + 1;
        boolean negated = i < p.length() && (p.charAt(i) == '!' || p.charAt(i) == '^');
        if (negated) {
            i++;
        }
        StringBuilder set = new StringBuilder();
        boolean first = true;
        while (i < p.length() && (p.charAt(i) != ']' || first)) {
            char lo = p.charAt(i);
            if (lo == '\\' && i + 1 < p.length()) {
                lo = p.charAt(++i);
            }
            char hi = lo;
            if (i + 2 < p.length() && p.charAt(i + 1) == '-' && p.charAt(i + 2) != ']') {
                hi = p.charAt(i + 2);
                i += 2;
                if (hi < lo) {
                    throw new IllegalArgumentException("the range '" + lo + "-" + hi + "' runs backwards");
                }
            }
            set.append(lo).append(hi);
            first = false;
            i++;
        }
        if (i >= p.length()) {
            throw new IllegalArgumentException("the '[' at position " + open + " is not closed");
        }
        steps.add(new Step(Kind.CLASS, '\0', set.toString(), negated));
        return i;
    }

    private static Step literal(char c) {
        return new Step(Kind.LITERAL, c, "", false);
    }

    /** Whether the whole of {@code name} matches. */
    public boolean matches(String name) {
        for (Step[] steps : alternatives) {
            if (matches(steps, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Step[] steps, String name) {
        BitSet states = new BitSet(steps.length + 1);
        states.set(0);
        skipRepeats(steps, states);
        for (int n = 0; n < name.length() && !states.isEmpty(); n++) {
            char c = name.charAt(n);
            BitSet next = new BitSet(steps.length + 1);
            for (int s = states.nextSetBit(0); s >= 0 && s < steps.length; s = states.nextSetBit(s + 1)) {
                Step step = steps[s];
                if (step.accepts(c)) {
                    next.set(step.repeats() ? s : s + 1);
                }
            }
            skipRepeats(steps, next);
            states = next;
        }
        return states.get(steps.length);
    }

    /** A repetition may match nothing: a state before one also stands after it. */
    private static void skipRepeats(Step[] steps, BitSet states) {
        for (int s = states.nextSetBit(0); s >= 0 && s < steps.length; s = states.nextSetBit(s + 1)) {
            if (steps[s].repeats()) {
                states.set(s + 1);
            }
        }
    }
}
