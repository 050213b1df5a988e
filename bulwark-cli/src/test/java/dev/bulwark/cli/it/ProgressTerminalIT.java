package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The progress bar on a real terminal (tmux) of 80 and of 50 columns, while retries wait and a
 * breaker is open: the line never wraps, so the screen always holds one progress line.
 */
class ProgressTerminalIT {
    private static final Pattern PROGRESS = Pattern.compile("\\d+% \\d+/\\d+ \\|");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} columns")
    @ValueSource(ints = {80, 50})
    void the_progress_line_fits_the_terminal_and_the_screen_holds_one(int columns) throws Exception {
        try (TmuxScreen screen = TmuxScreen.start(tmp, columns, 30, command())) {
            List<List<String>> seen = screensUntilExit(screen);
            boolean sawWaitingRetries = false;
            for (List<String> lines : seen) {
                assertOneProgressLineAtMost(lines, columns);
                sawWaitingRetries |= lines.stream().anyMatch(l -> PROGRESS.matcher(l).find() && l.contains("retry "));
            }
            List<String> last = seen.get(seen.size() - 1);
            assertThat(last).as(String.join("\n", last)).anyMatch(l -> l.startsWith("exit=1") || l.startsWith("exit=2"))
                    .filteredOn(l -> PROGRESS.matcher(l).find()).hasSize(1);
            assertThat(sawWaitingRetries).as("a screen showed retries waiting").isTrue();
        }
    }

    @org.junit.jupiter.api.Test
    void the_bar_is_redrawn_to_the_new_width_when_the_terminal_shrinks() throws Exception {
        try (TmuxScreen screen = TmuxScreen.start(tmp, 100, 30, command())) {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> screen.lines().stream().anyMatch(l -> PROGRESS.matcher(l).find() && l.length() > 60));
            screen.resize(50, 30);
            List<List<String>> seen = screensUntilExit(screen);
            // once redrawn, the bar (the lowest progress line) fits the new width; a copy of the wide line may be
            // left above it by the terminal's re-wrapping (see docs/cli.md)
            for (List<String> lines : seen.subList(Math.min(seen.size() - 1, 5), seen.size())) {
                List<String> progress = lines.stream().filter(l -> PROGRESS.matcher(l).find()).toList();
                if (!progress.isEmpty()) {
                    String bar = progress.get(progress.size() - 1);
                    assertThat(bar.length()).as("%s%n%s", bar, String.join("\n", lines)).isLessThan(50);
                }
            }
        }
    }

    private static List<List<String>> screensUntilExit(TmuxScreen screen) {
        List<List<String>> seen = new ArrayList<>();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<String> lines = screen.lines();
            seen.add(lines);
            return lines.stream().anyMatch(l -> l.startsWith("exit="));
        });
        return seen;
    }

    private static void assertOneProgressLineAtMost(List<String> lines, int columns) {
        long progressLines = lines.stream().filter(l -> PROGRESS.matcher(l).find()).count();
        assertThat(progressLines).as("progress lines on the screen:%n%s", String.join("\n", lines)).isLessThanOrEqualTo(1);
        for (String line : lines) {
            if (PROGRESS.matcher(line).find()) {
                assertThat(line.length()).as(line).isLessThan(columns);
            }
        }
    }

    private List<String> command() throws java.io.IOException {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 1; i <= 24; i++) {
            String scope = i % 3 == 0 ? "alpha.internal.example.com" : "beta.internal.example.com";
            jsonl.append("{\"key\":\"item-").append(i).append("\",\"scope\":\"").append(scope).append("\"}\n");
        }
        Files.writeString(tmp.resolve("ops.jsonl"), jsonl);
        return new ArrayList<>(List.of(BulwarkProcess.java(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=" + tmp, "-jar", BulwarkProcess.jar().toString(),
                "run", "--home", tmp.resolve("home").toString(), "--items-jsonl", "ops.jsonl", "--concurrency", "3",
                "--retries", "3", "--backoff", "400ms", "--breaker", "consecutive=2", "--breaker-open", "700ms",
                "--output", "log", "--shell", "--",
                "sleep 0.15; case \"$BULWARK_SCOPE\" in alpha*) exit 75;; esac; [ \"$BULWARK_ATTEMPT\" -gt 1 ] || "
                        + "[ $(( BULWARK_ITEM_SEQ % 4 )) -ne 1 ] || exit 75"));
    }
}
