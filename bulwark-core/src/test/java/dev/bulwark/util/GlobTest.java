package dev.bulwark.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Globs mean what the JDK's glob syntax means, and no pattern takes more than linear time. */
class GlobTest {
    private static final List<String> PATTERNS = List.of("*", "*.txt", "a?c", "[abc]*", "[!a]*", "[a-c]?.txt", "**", "**/*.txt",
            "sub/*", "*/*.txt", "{a,b}.txt", "{*.txt,*.csv}", "x{1,2}y{3,4}", "\\*", "a\\?b", "*a*a*b", "[-a]*", "[a-]*",
            ".*", "*.", "", "a/**/b", "**a", "*/c.txt", "?", "??*", "[*]", "a{,b}c");
    private static final List<String> NAMES = List.of("a", "abc", "a.txt", "b.txt", "c.txt", "z.txt", "a.csv", "sub/c.txt",
            "sub/deep/c.txt", "*", "a?b", "axb", "aaab", "ab", "-x", ".hidden", "x1y3", "x2y4", "x3y3", "a/b", "a/x/y/b",
            "ac", "abc.", "", "caf\u00e9.txt", "d\u00e9j\u00e0/vu.txt", "ba.txt");

    @Test
    void every_pattern_matches_exactly_what_the_jdk_glob_matches() {
        for (String pattern : PATTERNS) {
            var jdk = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            Glob ours = Glob.compile(pattern);
            for (String name : NAMES) {
                assertThat(ours.matches(name)).as("'" + pattern + "' on '" + name + "'").isEqualTo(jdk.matches(Path.of(name)));
            }
        }
    }

    @Test
    void a_pattern_with_many_wildcards_over_a_long_name_matches_in_milliseconds() {
        String pattern = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
        String name = "a".repeat(250);
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
            for (int i = 0; i < 100; i++) {
                assertThat(Glob.compile(pattern).matches(name)).isFalse();
            }
            assertThat(Glob.compile("**a**a**a**a**a**a**a**a**a**a**a**b").matches("a/".repeat(120) + "c")).isFalse();
        });
        assertThat(Glob.compile(pattern).matches("a".repeat(12) + "b")).isTrue();
    }

    @Test
    void bad_patterns_are_refused_with_what_is_wrong() {
        assertThatThrownBy(() -> Glob.compile("[abc")).hasMessageContaining("'[' at position 0 is not closed");
        assertThatThrownBy(() -> Glob.compile("{a,b")).hasMessageContaining("'{' at position 0 is not closed");
        assertThatThrownBy(() -> Glob.compile("{a,{b}}")).hasMessageContaining("nested");
        assertThatThrownBy(() -> Glob.compile("a}")).hasMessageContaining("closes no '{'");
        assertThatThrownBy(() -> Glob.compile("[z-a]")).hasMessageContaining("'z-a' runs backwards");
        assertThatThrownBy(() -> Glob.compile("x".repeat(Glob.MAX_LENGTH + 1))).hasMessageContaining("longer than 1024");
        assertThatThrownBy(() -> Glob.compile("{a,b}".repeat(9))).hasMessageContaining("more than 256 alternatives");
    }
}
