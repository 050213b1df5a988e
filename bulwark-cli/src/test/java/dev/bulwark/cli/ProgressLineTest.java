package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.JobCounts;
import dev.bulwark.Progress;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The progress bar's line never needs more columns than the terminal has, and drops its parts in a fixed order. */
class ProgressLineTest {
    static final Instant AT = Instant.parse("2026-12-01T14:55:53Z");

    static Progress busy() {
        JobCounts counts = new JobCounts(12_345, 9_000, 16, 230, 3_000, 75, 24, 400, 3, 0);
        List<BreakerStatus> open = List.of(
                new BreakerStatus("alpha.internal.example.com", CircuitBreaker.State.OPEN, AT, AT.plusSeconds(60), 0, "x"),
                new BreakerStatus("beta.internal.example.com", CircuitBreaker.State.OPEN, AT, AT.plusSeconds(60), 0, "x"),
                new BreakerStatus("gamma", CircuitBreaker.State.HALF_OPEN, AT, null, 0, "x"));
        return new Progress(UUID.randomUUID(), counts, 12.3, Duration.ofMinutes(3), Duration.ofMinutes(42), open);
    }

    @Test
    void the_line_is_shorter_than_the_terminal_at_every_width() {
        for (int columns = 20; columns <= 220; columns++) {
            assertThat(ProgressLine.fit(busy(), columns).length()).as("%d columns", columns).isLessThan(columns);
        }
    }

    @Test
    void a_wide_terminal_shows_every_part() {
        String line = ProgressLine.fit(busy(), 220);
        assertThat(line).startsWith("[").contains(" 25% 3099/12345 | ok 3000 fail 75 skip 24 retry 230 run 16 | ")
                .contains("open: alpha.internal.example.com until 14:56:53Z beta.internal.example.com until 14:56:53Z +1")
                .contains("| 12.3/s | ETA 42m");
    }

    @Test
    void parts_are_dropped_in_a_fixed_order_bar_breaker_details_rate_running_eta() {
        assertThat(ProgressLine.fit(busy(), 180)).doesNotStartWith("[").contains("alpha").contains("12.3/s");
        assertThat(ProgressLine.fit(busy(), 120)).doesNotStartWith("[").doesNotContain("alpha").contains("open 3").contains("12.3/s");
        String at80 = ProgressLine.fit(busy(), 80);
        assertThat(at80).doesNotContain("/s |").contains("run 16").contains("ETA 42m");
        String at50 = ProgressLine.fit(busy(), 50);
        assertThat(at50).doesNotStartWith("[").doesNotContain("run 16").contains("ok 3000 fail 75");
        Progress small = new Progress(UUID.randomUUID(), new JobCounts(24, 18, 3, 2, 1, 0, 0, 2, 0, 0), 2.4, Duration.ofSeconds(1),
                Duration.ofSeconds(8), List.of());
        assertThat(ProgressLine.fit(small, 50)).isEqualTo("  4% 1/24 | ok 1 retry 2 run 3 | 2.4/s | ETA 8s");
        assertThat(ProgressLine.fit(busy(), 30)).startsWith(" 25% 3099/12345 | ok 3000");
    }
}
