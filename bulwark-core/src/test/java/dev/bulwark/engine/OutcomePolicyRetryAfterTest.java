package dev.bulwark.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.AttemptResult;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OutcomePolicyRetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final RetryPolicy RETRY = RetryPolicy.exponential(2, Duration.ofSeconds(5), Duration.ofMinutes(1)).withJitter(0);
    private static final Item ITEM = new Item(UUID.randomUUID(), 1, "k", null, null, ItemStatus.RUNNING, 0, 0, 1, 1,
            null, NOW, null, null, null, null, null, null, null);

    private static Instant dueAfter(Duration retryAfter) {
        AttemptResult busy = AttemptResult.failure(ErrorClass.TRANSIENT, "http:429", "busy").withRetryAfter(retryAfter);
        return OutcomePolicy.decide(ITEM, busy, null, null, RETRY, NOW, new Random(1)).nextAttemptAt();
    }

    @Test
    void a_retry_after_longer_than_the_backoff_sets_the_due_time() {
        assertThat(dueAfter(Duration.ofSeconds(30))).isEqualTo(NOW.plusSeconds(30));
    }

    @Test
    void a_retry_after_shorter_than_the_backoff_leaves_the_backoff() {
        assertThat(dueAfter(Duration.ofSeconds(1))).isEqualTo(NOW.plusSeconds(5));
        assertThat(dueAfter(null)).isEqualTo(NOW.plusSeconds(5));
    }

    @Test
    void a_retry_after_never_adds_an_attempt() {
        Item last = new Item(ITEM.jobId(), 1, "k", null, null, ItemStatus.RUNNING, 2, 0, 3, 3,
                null, NOW, null, null, null, null, null, null, null);
        AttemptResult busy = AttemptResult.failure(ErrorClass.TRANSIENT, "http:429", "busy").withRetryAfter(Duration.ofSeconds(30));
        assertThat(OutcomePolicy.decide(last, busy, null, null, RETRY, NOW, new Random(1)).next()).isEqualTo(ItemStatus.FAILED);
    }
}
