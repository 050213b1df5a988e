package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The spacing of starts: never closer than the delay or the rate allows, for the job and within a scope. */
class StartPacerTest {
    static AttemptContext attempt(long seq, String scope) {
        Item item = new Item(UUID.randomUUID(), seq, "k" + seq, null, scope, ItemStatus.RUNNING,
                0, 0, 0, 0, null, null, null, null, null, null, null, null, null);
        return new AttemptContext(item, 1, 1, null, Instant.EPOCH, null, "test");
    }

    static final long MS = 1_000_000L;

    @Test
    void each_start_is_reserved_at_least_the_delay_after_the_one_before() {
        StartPacer pacer = (StartPacer) StartPacer.pace(ctx -> AttemptResult.success(), "100ms", "50/s", null);
        long now = 1_000 * MS;
        assertThat(pacer.reserve(null, now)).isZero();
        assertThat(pacer.reserve(null, now)).isEqualTo(100 * MS);
        assertThat(pacer.reserve(null, now + 50 * MS)).isEqualTo(150 * MS);
        assertThat(pacer.reserve(null, now + 900 * MS)).as("a quiet spell does not save up starts").isZero();
        assertThat(pacer.reserve(null, now + 900 * MS)).isEqualTo(100 * MS);
    }

    @Test
    void a_scope_rate_spaces_each_scope_and_leaves_other_scopes_alone() {
        StartPacer pacer = (StartPacer) StartPacer.pace(ctx -> AttemptResult.success(), null, "100/s", "5/s");
        long now = 1_000 * MS;
        assertThat(pacer.reserve("a", now)).isZero();
        assertThat(pacer.reserve("b", now)).as("another scope waits only for the job's rate").isEqualTo(10 * MS);
        assertThat(pacer.reserve("a", now)).isEqualTo(200 * MS);
        assertThat(pacer.reserve("b", now)).isEqualTo(210 * MS);
        assertThat(pacer.reserve("c", now)).isEqualTo(220 * MS);
    }

    @Test
    void attempts_started_at_once_wait_for_their_turn() throws Exception {
        List<Long> starts = Collections.synchronizedList(new ArrayList<>());
        ItemHandler record = ctx -> {
            starts.add(System.nanoTime());
            return AttemptResult.success();
        };
        ItemHandler paced = StartPacer.pace(record, "100ms", null, null);
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<AttemptResult>> results = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                AttemptContext a = attempt(i, null);
                results.add(pool.submit(() -> paced.handle(a)));
            }
            for (Future<AttemptResult> f : results) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(AttemptResult.success());
            }
        } finally {
            pool.shutdownNow();
        }
        // the last of four starts was reserved 300 ms after the first, which was not before t0
        assertThat(Collections.max(starts) - t0).isGreaterThanOrEqualTo(300 * MS);
    }

    @Test
    void without_options_the_handler_is_not_wrapped() {
        ItemHandler handler = ctx -> AttemptResult.success();
        assertThat(StartPacer.pace(handler, null, null, null)).isSameAs(handler);
        assertThat(StartPacer.gap("4/s", "--rate")).isEqualTo(250_000_000L);
        assertThat(StartPacer.gap("30/m", "--rate")).isEqualTo(2_000_000_000L);
    }
}
