package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.ledger.MemoryLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link BatchBuilder#orderedBy}: strict order per scope in the Java API, kept by a resumed batch. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OrderedByApiTest {
    private final SettableClock clock = new SettableClock();

    /** A command for a network node (seed 000): each node takes its commands strictly one after another. */
    record Command(String node, int n) {
    }

    /** Three nodes with four commands each, node by node. */
    private static List<Command> commands() {
        return IntStream.rangeClosed(1, 3).boxed()
                .flatMap(node -> IntStream.rangeClosed(1, 4).mapToObj(n -> new Command("node-" + node, n))).toList();
    }

    /** Per node: the commands in the order they ran; and whether two of one node ever ran at once. */
    private static final class Recorder {
        final Map<String, List<Integer>> ran = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        final List<Command> overlaps = new CopyOnWriteArrayList<>();

        void enter(Command c) {
            if (running.computeIfAbsent(c.node(), n -> new AtomicInteger()).incrementAndGet() > 1) {
                overlaps.add(c);
            }
        }

        void leave(Command c) {
            running.get(c.node()).decrementAndGet();
            ran.computeIfAbsent(c.node(), n -> new CopyOnWriteArrayList<>()).add(c.n());
        }
    }

    @Test
    void the_commands_of_one_node_run_in_order_and_the_nodes_side_by_side() {
        Recorder r = new Recorder();
        CountDownLatch firstsTogether = new CountDownLatch(3);

        BatchResult result = Bulwark.batch(commands())
                .key(c -> c.node() + ":" + c.n())
                .handler(c -> {
                    r.enter(c);
                    try {
                        if (c.n() == 1) {
                            firstsTogether.countDown();
                            if (!firstsTogether.await(10, TimeUnit.SECONDS)) {
                                throw new PermanentException("alone", "the other nodes' first commands never ran alongside");
                            }
                        }
                    } finally {
                        r.leave(c);
                    }
                })
                .orderedBy(Command::node)
                .concurrency(3)
                .clock(clock)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(r.overlaps).isEmpty();
        assertThat(r.ran).containsOnlyKeys("node-1", "node-2", "node-3")
                .allSatisfy((node, order) -> assertThat(order).containsExactly(1, 2, 3, 4));
    }

    @Test
    void a_template_orders_by_a_payload_field_and_is_recorded_in_the_configuration() {
        MemoryLedger ledger = new MemoryLedger();
        Recorder r = new Recorder();

        BatchResult result = Bulwark.batch(commands())
                .key(c -> "cmd-" + c.n())
                .payload(c -> Map.of("node", c.node()))
                .handler(c -> {
                    r.enter(c);
                    r.leave(c);
                })
                .orderedBy("{node}")
                .concurrency(4)
                .ledger(ledger)
                .clock(clock)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(r.overlaps).isEmpty();
        assertThat(r.ran).allSatisfy((node, order) -> assertThat(order).containsExactly(1, 2, 3, 4));
        assertThat(ledger.findJob(result.jobId()).orElseThrow().config().orderedBy()).isEqualTo("{node}");
    }

    @Test
    void a_resumed_batch_keeps_its_order_per_scope() throws Exception {
        MemoryLedger ledger = new MemoryLedger();
        CountDownLatch firstsRunning = new CountDownLatch(3);
        RunningBatch running = Bulwark.batch(commands())
                .key(c -> c.node() + ":" + c.n())
                .handlerWithContext((c, ctx) -> {
                    firstsRunning.countDown();
                    BulwarkApiTest.giveUpWhenStopped(ctx);
                })
                .orderedBy(Command::node)
                .concurrency(3)
                .ledger(ledger)
                .clock(clock)
                .start();
        assertThat(firstsRunning.await(10, TimeUnit.SECONDS)).isTrue();
        running.pause("operator");
        assertThat(running.await().status()).isEqualTo(JobStatus.PAUSED);

        // The resuming builder says nothing of the order: the order scopes are stored with the items.
        Recorder r = new Recorder();
        BatchResult resumed = Bulwark.batch(List.<Command>of())
                .key(c -> c.node() + ":" + c.n())
                .restore(item -> new Command(item.key().split(":")[0], Integer.parseInt(item.key().split(":")[1])))
                .handler(c -> {
                    r.enter(c);
                    r.leave(c);
                })
                .concurrency(3)
                .ledger(ledger)
                .clock(clock)
                .resume(running.jobId());

        assertThat(resumed.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(r.overlaps).isEmpty();
        assertThat(r.ran).allSatisfy((node, order) -> assertThat(order).containsExactly(1, 2, 3, 4));
    }

    @Test
    void ordered_and_ordered_by_exclude_each_other_and_every_item_needs_an_order_scope() {
        assertThatThrownBy(() -> Bulwark.batch(commands()).handler(c -> { }).ordered().orderedBy(Command::node).run())
                .isInstanceOf(ValidationException.class).hasMessageContaining(".ordered() (one order over the whole batch) and .orderedBy(...)");
        assertThatThrownBy(() -> Bulwark.batch(commands()).handler(c -> { }).orderedBy("node").run())
                .isInstanceOf(ValidationException.class).hasMessageContaining("--ordered-by 'node' has no placeholder");
        List<Command> withoutNode = new ArrayList<>(commands());
        withoutNode.add(new Command(null, 5));
        assertThatThrownBy(() -> Bulwark.batch(withoutNode).key(c -> "k" + c.n()).handler(c -> { }).orderedBy(Command::node).run())
                .isInstanceOf(ValidationException.class).hasMessageContaining("the order scope of item 13 (k5) is null");
    }
}
