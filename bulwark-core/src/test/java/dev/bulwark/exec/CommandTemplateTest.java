package dev.bulwark.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.exec.internal.CommandTemplate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandTemplateTest {
    private static final UUID JOB = UUID.fromString("00000000-0000-0000-0000-00000000abcd");

    private static List<String> expand(List<String> command, String key) {
        return CommandTemplate.compile(command).expand(key, 17, 3, 2, JOB);
    }

    @Test
    void eachPlaceholder() {
        List<String> argv = expand(List.of("cmd", "{}", "{/}", "{.}", "{/.}", "{//}", "{#}", "{%}", "{attempt}", "{job}"),
                "data/in/a.tar.gz");
        assertThat(argv).containsExactly("cmd", "data/in/a.tar.gz", "a.tar.gz", "data/in/a.tar", "a.tar", "data/in",
                "17", "3", "2", JOB.toString());
    }

    @Test
    void placeholdersEmbeddedInArguments() {
        assertThat(expand(List.of("gzip", "-c", "{}", "--out=out/{/.}.gz", "{#}-{%}-{attempt}"), "in/b.txt"))
                .containsExactly("gzip", "-c", "in/b.txt", "--out=out/b.gz", "17-3-2");
        assertThat(expand(List.of("x", "{}{}", "[{/}]"), "p/q")).containsExactly("x", "p/qp/q", "[q]");
    }

    @Test
    void unknownBracedWordsStayLiteral() {
        assertThat(expand(List.of("awk", "{print $1}", "{1}", "{foo}", "{=s/a/b/=}", "{ }", "{{}}", "{", "}"), "k"))
                .containsExactly("awk", "{print $1}", "{1}", "{foo}", "{=s/a/b/=}", "{ }", "{k}", "{", "}");
    }

    @Test
    void keyAppendedWhenNoPlaceholder() {
        CommandTemplate template = CommandTemplate.compile(List.of("gzip", "-k", "{foo}"));
        assertThat(template.appendsKey()).isTrue();
        assertThat(template.expand("a b.txt", 1, 1, 1, JOB)).containsExactly("gzip", "-k", "{foo}", "a b.txt");
    }

    @Test
    void anyPlaceholderPreventsAppending() {
        CommandTemplate template = CommandTemplate.compile(List.of("echo", "{#}"));
        assertThat(template.appendsKey()).isFalse();
        assertThat(template.expand("key", 5, 1, 1, JOB)).containsExactly("echo", "5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b  c", "it's \"quoted\"", "$(touch pwned)", "`id`; rm -rf /", "line1\nline2", "-rf",
            "--help", "ünïcødé 日本語 🚀", "*", "~", "", " ", "a\tb", "{}", "{/}"})
    void keysArePassedVerbatimAsOneArgument(String key) {
        assertThat(expand(List.of("printf", "%s\\n", "{}"), key)).containsExactly("printf", "%s\\n", key);
        assertThat(expand(List.of("printf", "%s\\n"), key)).containsExactly("printf", "%s\\n", key);
        assertThat(expand(List.of("cmd", "pre-{}-post"), key)).containsExactly("cmd", "pre-" + key + "-post");
    }

    @ParameterizedTest(name = "[{index}] '{0}'")
    @CsvSource(delimiter = '|', textBlock = """
            # key           | {/}        | {.}          | {/.}     | {//}
            a               | a          | a            | a        | .
            a.jpg           | a.jpg      | a            | a        | .
            dir/a.jpg       | a.jpg      | dir/a        | a        | dir
            /abs/dir/a.b.c  | a.b.c      | /abs/dir/a.b | a.b      | /abs/dir
            sub.dir/bar     | bar        | sub.dir/bar  | bar      | sub.dir
            sub.dir/bar.x   | bar.x      | sub.dir/bar  | bar      | sub.dir
            file.           | file.      | file.        | file.    | .
            .bashrc         | .bashrc    | ''           | ''       | .
            /a              | a          | /a           | a        | /
            a/b/            | ''         | a/b/         | ''       | a
            a/              | ''         | a/           | ''       | .
            /               | ''         | /            | ''       | /
            a//b            | b          | a//b         | b        | a
            ./a             | a          | ./a          | a        | .
            ''              | ''         | ''           | ''       | .
            """)
    void pathPartsFollowGnuParallel(String key, String base, String noExt, String baseNoExt, String dir) {
        assertThat(expand(List.of("c", "{/}", "{.}", "{/.}", "{//}"), key)).containsExactly("c", base, noExt, baseNoExt, dir);
    }

    // ------------------------------------------------------------------ shell mode rewriting

    @Test
    void shellScriptWithoutPlaceholdersIsUntouched() {
        String script = "for f in \"$@\"; do echo \"$f\"; done";
        assertThat(CommandTemplate.rewriteShellScript(script)).isSameAs(script);
    }

    @Test
    void shellPlaceholdersBecomeQuotedParameterReferences() {
        assertThat(CommandTemplate.rewriteShellScript("gzip -k {} && mv {}.gz out/{/.}.gz"))
                .isEqualTo("gzip -k \"${1}\" && mv \"${1}\".gz out/\"${BULWARK_ITEM_BASENAME_NOEXT}\".gz");
        assertThat(CommandTemplate.rewriteShellScript("echo {#} {%} {attempt} {job} {/} {.} {//}"))
                .isEqualTo("echo \"${BULWARK_ITEM_SEQ}\" \"${BULWARK_SLOT}\" \"${BULWARK_ATTEMPT}\" \"${BULWARK_JOB_ID}\""
                        + " \"${BULWARK_ITEM_BASENAME}\" \"${BULWARK_ITEM_NOEXT}\" \"${BULWARK_ITEM_DIRNAME}\"");
    }

    @Test
    void insideDoubleQuotesNoExtraQuotes() {
        assertThat(CommandTemplate.rewriteShellScript("echo \"file {} is #{#}\""))
                .isEqualTo("echo \"file ${1} is #${BULWARK_ITEM_SEQ}\"");
        assertThat(CommandTemplate.rewriteShellScript("echo \"a \\\"{}\\\" b\" {}"))
                .isEqualTo("echo \"a \\\"${1}\\\" b\" \"${1}\"");
    }

    @Test
    void commandSubstitutionInsideDoubleQuotesIsUnquotedContext() {
        assertThat(CommandTemplate.rewriteShellScript("echo \"$(basename {}) and {}\""))
                .isEqualTo("echo \"$(basename \"${1}\") and ${1}\"");
        assertThat(CommandTemplate.rewriteShellScript("x=$( (cd {//} && ls) | wc -l ); echo \"{}\""))
                .isEqualTo("x=$( (cd \"${BULWARK_ITEM_DIRNAME}\" && ls) | wc -l ); echo \"${1}\"");
    }

    @Test
    void singleQuotesAndCommentsAreLeftAlone() {
        assertThat(CommandTemplate.rewriteShellScript("awk '{print {}}' {} # don't touch {}\necho {}"))
                .isEqualTo("awk '{print {}}' \"${1}\" # don't touch {}\necho \"${1}\"");
        assertThat(CommandTemplate.rewriteShellScript("echo ${#} $# {}"))
                .isEqualTo("echo ${#} $# \"${1}\"");
    }

    @Test
    void hereDocuments() {
        String script = "cat <<EOF\nit's {}\nEOF\ncat <<'RAW'\nit's {}\nRAW\ncat <<-X\n\t\"{}\"\n\tX\necho {}";
        assertThat(CommandTemplate.rewriteShellScript(script))
                .isEqualTo("cat <<EOF\nit's ${1}\nEOF\ncat <<'RAW'\nit's {}\nRAW\ncat <<-X\n\t\"${1}\"\n\tX\necho \"${1}\"");
    }

    @Test
    void escapedCharactersDoNotChangeQuoting() {
        assertThat(CommandTemplate.rewriteShellScript("echo \\' {} \\\" {}"))
                .isEqualTo("echo \\' \"${1}\" \\\" \"${1}\"");
    }
}
