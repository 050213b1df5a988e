package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.ledger.MemoryLedger;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A job that runs cannot be taken over by a second run on the same ledger object. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SecondRunnerTest {
    @Test
    void resuming_a_job_that_runs_on_the_same_ledger_is_refused_and_no_item_runs_twice() throws Exception {
        MemoryLedger ledger = new MemoryLedger();
        List<String> keys = IntStream.rangeClosed(1, 6).mapToObj(i -> "k" + i).toList();
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RunningBatch first = Bulwark.strings(keys).handler(k -> {
            runs.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
            if (k.equals("k2")) {
                reached.countDown();
                release.await();
            }
        }).ledger(ledger).start();
        assertThat(reached.await(10, TimeUnit.SECONDS)).isTrue();
        UUID id = first.jobId();

        assertThatThrownBy(() -> Bulwark.strings(List.of()).handler(k -> runs.computeIfAbsent(k, x -> new AtomicInteger())
                .incrementAndGet()).ledger(ledger).resume(id))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("job " + id + " is already running in this process");

        release.countDown();
        assertThat(first.await().status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(runs).hasSize(6).allSatisfy((k, n) -> assertThat(n.get()).as(k).isEqualTo(1));
    }
}
