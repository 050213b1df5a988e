package dev.bulwark.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.SettableClock;
import dev.bulwark.server.internal.JobQueue;
import dev.bulwark.server.internal.JobQueue.Action;
import dev.bulwark.server.internal.JobQueue.Entry;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The start order of waiting jobs, with an injected clock. */
class JobQueueTest {
    private final SettableClock clock = new SettableClock();
    private final JobQueue queue = new JobQueue(Duration.ofMinutes(1));

    private Entry add(String tenant, int priority) {
        Entry e = new Entry(UUID.randomUUID(), tenant, priority, clock.now(), Action.RUN);
        queue.add(e);
        return e;
    }

    @Test
    void a_higher_tier_starts_first_and_equal_priorities_start_in_order_of_arrival() {
        Entry free1 = add("f", 10);
        clock.advance(Duration.ofSeconds(1));
        Entry premium = add("p", 2);
        Entry free2 = add("f", 10);
        Entry enterprise = add("e", 1);
        assertThat(queue.ordered(clock.now())).containsExactly(enterprise, premium, free1, free2);
    }

    @Test
    void a_waiting_job_ages_one_level_per_period_so_a_low_tier_never_starves() {
        Entry free = add("f", 10);
        clock.advance(Duration.ofMinutes(8).plusSeconds(59)); // 8 periods: effective priority 2
        Entry premium = add("p", 2);
        assertThat(queue.effectivePriority(free, clock.now())).isEqualTo(2);
        assertThat(queue.ordered(clock.now())).containsExactly(free, premium); // same level: the longer wait first
        Entry enterprise = add("e", 1);
        assertThat(queue.ordered(clock.now()).getFirst()).isEqualTo(enterprise);
        clock.advance(Duration.ofSeconds(1)); // 9 periods: 1, and it has waited longer
        assertThat(queue.ordered(clock.now())).containsExactly(free, enterprise, premium);
    }

    @Test
    void poll_skips_jobs_that_may_not_start_and_removes_the_one_it_returns() {
        Entry busyTenant = add("busy", 1);
        Entry other = add("idle", 10);
        assertThat(queue.poll(clock.now(), e -> !e.tenant().equals("busy"))).contains(other);
        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.poll(clock.now(), e -> true)).contains(busyTenant);
        assertThat(queue.poll(clock.now(), e -> true)).isEmpty();
    }
}
