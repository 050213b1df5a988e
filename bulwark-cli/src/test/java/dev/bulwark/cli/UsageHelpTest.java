package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Mistakes a user of xargs or parallel makes, answered before anything is stored: typos, stray option values, dry runs to paste. */
class UsageHelpTest extends InProcessCli {
    Path list;

    @BeforeEach
    void setUp() throws IOException {
        list = itemsFile("x\n");
    }

    @Test
    void a_mistyped_option_gets_the_nearest_option_suggested() {
        assertThat(bulwark("run", "--home", home.toString(), "--concurency", "4", "--items", list.toString(), "--", "echo"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("Unknown option: '--concurency'").contains("--concurrency");
        assertThat(home).doesNotExist();
    }

    @Test
    void a_mistyped_command_gets_the_nearest_command_suggested() {
        assertThat(bulwark("rnu", "--items", list.toString(), "--", "echo")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("'rnu' is not a bulwark command").contains("Did you mean: bulwark run?")
                .doesNotContain("Unmatched arguments");
        assertThat(bulwark("satus", "abcd")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("bulwark status");
    }

    @Test
    void a_stray_option_value_taken_as_the_command_is_refused_naming_it_and_nothing_is_stored() {
        int code = bulwark("run", "--home", home.toString(), "--items", list.toString(), "--timeout", "5", "minutes", "--", "echo");
        assertThat(code).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("cannot start program 'minutes': not found on PATH")
                .contains("'minutes' follows --timeout 5").contains("nothing was stored");
        assertThat(home.resolve("ledger.db")).doesNotExist();
    }

    @Test
    void a_program_that_is_not_executable_is_refused_before_the_job_is_stored() throws IOException {
        Path script = Files.writeString(tmp.resolve("job.sh"), "#!/bin/sh\necho hi\n");
        assertThat(bulwark("run", "--home", home.toString(), "--items", list.toString(), "--", script.toString()))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("not executable (chmod +x " + script + ")");
        assertThat(home.resolve("ledger.db")).doesNotExist();
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(bulwark("run", "--home", home.toString(), "--items", list.toString(), "--", script.toString())).isZero();
        assertThat(out.toString()).isEqualTo("hi\n");
    }

    @Test
    void with_shell_the_script_is_not_looked_up() {
        assertThat(bulwark("run", "--home", home.toString(), "--items", list.toString(), "--retries", "0", "--shell", "--",
                "no-such-program-here \"$1\"")).as("every item failed").isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString()).contains("failed #1 x: exit:127");
    }

    @Test
    void a_dry_run_quotes_control_characters_so_that_bash_reads_them_back() throws Exception {
        Files.writeString(list, "tab\tinside.txt\nit's\n");
        assertThat(bulwark("run", "--items", list.toString(), "--dry-run", "--", "printf", "[%s]\\n")).isZero();
        assertThat(out.toString()).isEqualTo("1\tprintf '[%s]\\n' $'tab\\tinside.txt'\n2\tprintf '[%s]\\n' 'it'\\''s'\n");
        String pasted = out.toString().lines().map(l -> l.substring(l.indexOf('\t') + 1)).reduce((a, b) -> a + "; " + b).orElseThrow();
        assertThat(bash(pasted)).isEqualTo("[tab\tinside.txt]\n[it's]\n");
    }

    @Test
    void a_shell_dry_run_shows_the_variables_its_script_uses_so_the_line_reproduces_the_run() throws Exception {
        Files.writeString(list, "dir/tab\tname.txt\n");
        assertThat(bulwark("run", "--items", list.toString(), "--dry-run", "--shell", "--", "echo \"[{/}] [$1] seq $BULWARK_ITEM_SEQ\""))
                .isZero();
        String line = out.toString().strip();
        assertThat(line).startsWith("1\tenv BULWARK_ITEM_SEQ=1 $'BULWARK_ITEM_BASENAME=tab\\tname.txt' /bin/sh -c ")
                .doesNotContain("BULWARK_ITEM=");
        assertThat(bash(line.substring(2))).isEqualTo("[tab\tname.txt] [dir/tab\tname.txt] seq 1\n");
    }

    private static String bash(String line) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", line).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(text).isZero();
        return text;
    }
}
