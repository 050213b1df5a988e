package dev.bulwark.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The checks an example makes on its own results: each expectation is printed as {@code ok} or
 * {@code MISMATCH}, and {@link #exitCode()} is non-zero when any failed, so a script (and CI)
 * notices. Not thread-safe: check from the example's main thread.
 */
public final class Expectations {
    private final String example;
    private final List<String> mismatches = new ArrayList<>();
    private int checked;

    public Expectations(String example) {
        this.example = example;
    }

    /** Expects {@code actual} to equal {@code expected}. */
    public void expect(String what, Object expected, Object actual) {
        checked++;
        if (Objects.equals(expected, actual)) {
            System.out.println("  ok        " + what + ": " + actual);
        } else {
            String line = what + ": expected " + expected + ", got " + actual;
            mismatches.add(line);
            System.out.println("  MISMATCH  " + line);
        }
    }

    /** Expects {@code condition} to hold. */
    public void expectTrue(String what, boolean condition) {
        expect(what, true, condition);
    }

    /** Prints the verdict; 0 when every expectation held, else 1. */
    public int exitCode() {
        if (mismatches.isEmpty()) {
            System.out.println(example + ": all " + checked + " expectations met");
            return 0;
        }
        System.out.println(example + ": " + mismatches.size() + " of " + checked + " expectations NOT met");
        return 1;
    }
}
