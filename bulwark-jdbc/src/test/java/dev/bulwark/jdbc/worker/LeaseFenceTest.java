package dev.bulwark.jdbc.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The self-fencing rule, on a ticker the test sets: exact deadlines, margins and pause detection. */
class LeaseFenceTest {
    private static final long MS = 1_000_000L;
    /** A ticker value far from zero, and negative: System.nanoTime() may be either. */
    private static final long T0 = -5_000 * MS;

    @Test
    void a_three_second_lease_is_fenced_at_send_plus_lease_minus_the_margin() {
        LeaseFence fence = new LeaseFence(Duration.ofSeconds(3));

        assertThat(fence.tick()).isEqualTo(Duration.ofMillis(100));
        // 1 % of 3 s for clock rate, two ticks for reaction.
        assertThat(fence.marginNanos()).isEqualTo(30 * MS + 200 * MS);
        assertThat(fence.deadline(T0, Duration.ZERO)).isEqualTo(T0 + 2_770 * MS);
        assertThat(fence.passed(T0, Duration.ZERO, T0 + 2_770 * MS - 1)).isFalse();
        assertThat(fence.passed(T0, Duration.ZERO, T0 + 2_770 * MS)).isTrue();
    }

    @Test
    void a_commands_kill_grace_moves_the_stop_earlier_by_at_most_a_third_of_the_lease() {
        LeaseFence fence = new LeaseFence(Duration.ofSeconds(30));

        assertThat(fence.marginNanos()).isEqualTo(300 * MS + 200 * MS);
        assertThat(fence.deadline(T0, Duration.ofSeconds(5))).isEqualTo(T0 + 24_500 * MS);
        assertThat(fence.deadline(T0, Duration.ofMillis(200))).isEqualTo(T0 + 29_300 * MS);
        assertThat(fence.stopBudget(Duration.ofMinutes(1))).isEqualTo(10_000 * MS);
        assertThat(fence.deadline(T0, Duration.ofMinutes(1))).isEqualTo(T0 + 19_500 * MS);
    }

    @Test
    void the_stop_ends_before_the_database_can_expire_the_lease_at_the_slowest_allowed_clock_rate() {
        Duration lease = Duration.ofSeconds(3);
        LeaseFence fence = new LeaseFence(lease);
        Duration grace = Duration.ofMillis(500);
        // The database expires the lease no earlier than lease * (1 - rate) after the send, on this clock.
        long earliestExpiry = T0 + (long) (lease.toNanos() * (1 - LeaseFence.CLOCK_RATE));
        // The watchdog may see the deadline a tick late; the command is gone a kill grace after the stop.
        long treeGone = fence.deadline(T0, grace) + fence.tick().toNanos() + grace.toNanos();

        assertThat(treeGone).isLessThan(earliestExpiry);
        assertThat(earliestExpiry - treeGone).isEqualTo(fence.tick().toNanos());
    }

    @Test
    void a_renewal_confirmed_later_moves_the_deadline() {
        LeaseFence fence = new LeaseFence(Duration.ofSeconds(3));
        long renewalSent = T0 + 1_000 * MS;

        assertThat(fence.passed(T0, Duration.ZERO, T0 + 2_800 * MS)).isTrue();
        assertThat(fence.passed(renewalSent, Duration.ZERO, T0 + 2_800 * MS)).isFalse();
        assertThat(fence.deadline(renewalSent, Duration.ZERO)).isEqualTo(T0 + 3_770 * MS);
    }

    @Test
    void short_leases_tick_a_thirtieth_of_the_lease() {
        LeaseFence fence = new LeaseFence(Duration.ofMillis(600));

        assertThat(fence.tick()).isEqualTo(Duration.ofMillis(20));
        assertThat(fence.marginNanos()).isEqualTo(6 * MS + 40 * MS);
        assertThat(fence.deadline(T0, Duration.ZERO)).isEqualTo(T0 + 554 * MS);
    }

    @Test
    void a_gap_between_ticks_longer_than_a_tick_and_a_tenth_of_the_lease_is_a_pause() {
        LeaseFence fence = new LeaseFence(Duration.ofSeconds(3));

        assertThat(fence.pausedBetween(T0, T0 + 100 * MS)).isFalse();
        assertThat(fence.pausedBetween(T0, T0 + 400 * MS)).isFalse();
        assertThat(fence.pausedBetween(T0, T0 + 400 * MS + 1)).isTrue();
        assertThat(fence.pausedBetween(T0, T0 + 60_000 * MS)).isTrue();
    }
}
