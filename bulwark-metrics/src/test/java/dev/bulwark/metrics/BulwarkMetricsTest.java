package dev.bulwark.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.ErrorClass;
import dev.bulwark.JobStatus;
import dev.bulwark.PermanentException;
import dev.bulwark.Retry;
import dev.bulwark.RunningBatch;
import dev.bulwark.breaker.BreakerPolicy;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The engine's meters, from real batches on the in-memory ledger. */
class BulwarkMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final BulwarkMetrics metrics = new BulwarkMetrics();

    BulwarkMetricsTest() {
        metrics.bindTo(registry);
    }

    @Test
    void items_are_counted_by_outcome_with_retries_and_attempt_durations() {
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        BatchResult result = Bulwark.strings(List.of("a", "b", "flaky", "bad"))
                .handler(key -> {
                    if (key.equals("bad")) {
                        throw new PermanentException("bad input: " + key);
                    }
                    if (key.equals("flaky") && failedOnce.add(key)) {
                        throw new IOException("connection reset");
                    }
                })
                .retry(Retry.exponential(2, Duration.ofMillis(5)))
                .listener(metrics)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.PARTIAL);
        assertThat(registry.get("bulwark.items").tag("outcome", "succeeded").counter().count()).isEqualTo(3);
        assertThat(registry.get("bulwark.items").tag("outcome", "failed").counter().count()).isEqualTo(1);
        assertThat(registry.get("bulwark.items").tag("outcome", "retry").counter().count()).isEqualTo(1);
        assertThat(registry.get("bulwark.retries").counter().count()).isEqualTo(1);
        assertThat(registry.get("bulwark.attempt.duration").tag("outcome", "succeeded").timer().count()).isEqualTo(3);
        assertThat(registry.get("bulwark.jobs.active").gauge().value()).isZero();
        assertThat(registry.get("bulwark.items.queued").gauge().value()).isZero();
    }

    @Test
    void queue_depth_and_open_breakers_show_while_a_job_runs_without_scopes_or_job_ids_in_tags() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        RunningBatch batch = Bulwark.strings(List.of("down-1", "down-2", "up-1", "up-2", "up-3"))
                .scope(key -> key.substring(0, key.indexOf('-')))
                .classify(IOException.class, ErrorClass.TRANSIENT, "connect")
                .breaker(BreakerPolicy.consecutive(1))
                .handler(key -> {
                    if (key.startsWith("down")) {
                        throw new IOException("host down");
                    }
                    release.await(10, TimeUnit.SECONDS);
                })
                .listener(metrics)
                .start();
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(registry.get("bulwark.breakers").tag("state", "open").gauge().value()).isEqualTo(1);
                assertThat(registry.get("bulwark.jobs.active").gauge().value()).isEqualTo(1);
                assertThat(registry.get("bulwark.items.queued").gauge().value()
                        + registry.get("bulwark.items.running").gauge().value()).isPositive();
            });
            assertThat(registry.get("bulwark.breaker.transitions").tag("to", "open").counter().count()).isEqualTo(1);
            for (Meter meter : registry.getMeters()) {
                assertThat(meter.getId().getTags()).allSatisfy(tag ->
                        assertThat(tag.getKey()).isIn("outcome", "state", "to"));
            }
        } finally {
            release.countDown();
            batch.cancel("test over");
            batch.await();
        }
        assertThat(registry.get("bulwark.jobs.active").gauge().value()).isZero();
    }
}
