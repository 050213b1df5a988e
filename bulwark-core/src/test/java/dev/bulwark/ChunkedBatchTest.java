package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Chunked batches: a critical error named on the item that threw it, every time; the chunk's context. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChunkedBatchTest {
    private final SettableClock clock = new SettableClock();

    record Order(int id) {
    }

    private static List<Order> orders(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(Order::new).toList();
    }

    private BatchResult runWithCriticalOrder23() {
        return Bulwark.batch(orders(40))
                .key(o -> "order-" + o.id())
                .chunks(5, chunk -> {
                    if (chunk.stream().anyMatch(o -> o.id() == 23)) {
                        throw new CriticalException("ledger", "order 23 names an unknown ledger account");
                    }
                })
                .chunkLinger(Duration.ofSeconds(5))
                .clock(clock)
                .run();
    }

    @Test
    void a_critical_error_in_a_chunk_names_and_fails_the_item_that_threw_it_every_time() {
        for (int run = 1; run <= 25; run++) {
            BatchResult result = runWithCriticalOrder23();
            Map<Long, ItemStatus> statuses = result.items()
                    .collect(Collectors.toMap(Item::seq, Item::status));

            assertThat(result.status()).as("run %d", run).isEqualTo(JobStatus.FAILED);
            assertThat(result.reason()).as("run %d", run)
                    .startsWith("critical error on item 23 (order-23)").contains("unknown ledger account");
            assertThat(result.failures().map(Item::seq)).as("run %d", run).containsExactly(23L);
            // its chunk, 21-25: the items before it run alone and succeed, the items after it are skipped
            assertThat(List.of(statuses.get(21L), statuses.get(22L), statuses.get(23L), statuses.get(24L), statuses.get(25L)))
                    .as("run %d", run).containsExactly(ItemStatus.SUCCEEDED, ItemStatus.SUCCEEDED, ItemStatus.FAILED,
                            ItemStatus.SKIPPED, ItemStatus.SKIPPED);
            assertThat(IntStream.rangeClosed(1, 20).mapToObj(i -> statuses.get((long) i)))
                    .as("run %d", run).containsOnly(ItemStatus.SUCCEEDED);
            assertThat(result.succeeded() + result.failed() + result.skipped()).isEqualTo(40);
        }
    }

    @Test
    void a_chunk_handler_with_context_gets_the_job_id_and_each_items_idempotency_key() {
        List<ChunkContext> contexts = Collections.synchronizedList(new ArrayList<>());
        Set<Integer> seen = ConcurrentHashMap.newKeySet();

        BatchResult result = Bulwark.batch(orders(6))
                .chunksWithContext(3, (chunk, ctx) -> {
                    contexts.add(ctx);
                    assertThat(ctx.size()).isEqualTo(chunk.size());
                    for (int i = 0; i < chunk.size(); i++) {
                        assertThat(ctx.sequences().get(i)).isEqualTo((long) chunk.get(i).id());
                    }
                    chunk.forEach(o -> seen.add(o.id()));
                })
                .chunkLinger(Duration.ofSeconds(5))
                .clock(clock)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(seen).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6);
        assertThat(contexts).allSatisfy(ctx -> assertThat(ctx.jobId()).isEqualTo(result.jobId()));
        assertThat(contexts.stream().flatMap(ctx -> ctx.idempotencyKeys().stream()))
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 6)
                        .mapToObj(i -> result.jobId() + ":" + i).toList());
    }
}
