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

    /** The chunk that held order 23 (in sequence order), as the handler first saw it. */
    private final List<Long> chunkOf23 = Collections.synchronizedList(new ArrayList<>());

    private BatchResult runWithCriticalOrder23() {
        chunkOf23.clear();
        return Bulwark.batch(orders(40))
                .key(o -> "order-" + o.id())
                .chunksWithContext(5, (chunk, ctx) -> {
                    if (chunk.stream().anyMatch(o -> o.id() == 23)) {
                        if (chunkOf23.isEmpty()) {
                            chunkOf23.addAll(ctx.sequences());
                        }
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
            // Concurrent attempts join chunks in the order they arrive, so the chunk is whichever five
            // held 23: the items before 23 in it run alone and succeed, the items after it are skipped.
            assertThat(chunkOf23).as("run %d", run).contains(23L).isSorted();
            for (long seq : chunkOf23) {
                ItemStatus expected = seq < 23 ? ItemStatus.SUCCEEDED : seq == 23 ? ItemStatus.FAILED : ItemStatus.SKIPPED;
                assertThat(statuses.get(seq)).as("run %d, item %d in the chunk %s", run, seq, chunkOf23)
                        .isEqualTo(expected);
            }
            assertThat(statuses.values()).as("run %d", run)
                    .containsOnly(ItemStatus.SUCCEEDED, ItemStatus.FAILED, ItemStatus.SKIPPED);
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
