package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bulwark.ledger.MemoryLedger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BulwarkApiTest {
    private final SettableClock clock = new SettableClock();

    /** An order to import: the kind of plain Java object a batch is made of. */
    record Order(int id, String customer) {
    }

    private static List<Order> orders(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> new Order(i, "customer-" + i)).toList();
    }

    @Test
    void runs_typed_items_and_reports_counts_success_rate_duration_and_status() {
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());

        BatchResult result = Bulwark.batch(orders(10))
                .key(o -> "order-" + o.id())
                .handler(o -> {
                    seen.add(o.id());
                    if (o.id() == 7) {
                        throw new PermanentException("invalid", "order 7 has no lines");
                    }
                })
                .concurrency(3)
                .clock(clock)
                .run();

        assertThat(seen).containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 10).boxed().toList());
        assertThat(result.status()).isEqualTo(JobStatus.PARTIAL);
        assertThat(result.total()).isEqualTo(10);
        assertThat(result.succeeded()).isEqualTo(9);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.successRate()).isEqualTo(90.0);
        assertThat(result.duration().isNegative()).isFalse();
        assertThat(result.failures()).singleElement().satisfies(item -> {
            assertThat(item.key()).isEqualTo("order-7");
            assertThat(item.errorClass()).isEqualTo(ErrorClass.PERMANENT);
            assertThat(item.category()).isEqualTo("invalid");
            assertThat(item.message()).isEqualTo("order 7 has no lines");
        });
        assertThat(result.job().config().concurrency()).isEqualTo(3);
        assertThat(result.job().config().input()).containsEntry("api", "java");
    }

    @Test
    void classifies_foreign_exceptions_by_the_batch_rules_and_their_causes() {
        BatchResult result = Bulwark.strings(List.of("io", "wrapped-io", "bad-arg", "other"))
                .handler(key -> {
                    switch (key) {
                        case "io" -> throw new IOException("disk busy");
                        case "wrapped-io" -> throw new UncheckedIOException(new IOException("share gone"));
                        case "bad-arg" -> throw new IllegalArgumentException("no such customer");
                        default -> throw new IllegalStateException("surprise");
                    }
                })
                .classify(IOException.class, ErrorClass.TRANSIENT, "io")
                .classify(IllegalArgumentException.class, ErrorClass.PERMANENT, "input")
                .otherExceptions(ErrorClass.PERMANENT)
                .retry(Retry.none())
                .clock(clock)
                .run();

        assertThat(result.items()).extracting(Item::key, Item::errorClass, Item::category).containsExactly(
                org.assertj.core.groups.Tuple.tuple("io", ErrorClass.TRANSIENT, "io"),
                org.assertj.core.groups.Tuple.tuple("wrapped-io", ErrorClass.TRANSIENT, "io"),
                org.assertj.core.groups.Tuple.tuple("bad-arg", ErrorClass.PERMANENT, "input"),
                org.assertj.core.groups.Tuple.tuple("other", ErrorClass.PERMANENT, "exception"));
        assertThat(result.items().map(Item::message)).containsExactly("IOException: disk busy",
                "UncheckedIOException: IOException: share gone", "IllegalArgumentException: no such customer",
                "IllegalStateException: surprise");
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void retries_a_transient_failure_when_its_backoff_has_passed_on_the_clock() {
        AtomicInteger calls = new AtomicInteger();
        MemoryLedger ledger = new MemoryLedger();
        RunningBatch running = Bulwark.strings(List.of("flaky"))
                .handler(key -> {
                    if (calls.incrementAndGet() < 3) {
                        throw new TransientException("busy", "try later");
                    }
                })
                .retry(Retry.exponential(3, Duration.ofSeconds(1)).withJitter(0))
                .ledger(ledger)
                .clock(clock)
                .start();

        await().atMost(Duration.ofSeconds(5)).until(() -> itemOf(ledger, running).status() == ItemStatus.RETRY_WAIT);
        assertThat(itemOf(ledger, running).nextAttemptAt()).isEqualTo(clock.now().plusSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> itemOf(ledger, running).attempts() == 2);
        assertThat(itemOf(ledger, running).nextAttemptAt()).isEqualTo(clock.now().plusSeconds(2));
        clock.advance(Duration.ofSeconds(2));
        BatchResult result = running.await();

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(result.retries()).isEqualTo(2);
        assertThat(result.attempts(1)).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.FAILED, AttemptOutcome.FAILED, AttemptOutcome.SUCCEEDED);
    }

    @Test
    void a_transient_exception_can_ask_for_a_later_retry_than_the_backoff() {
        AtomicInteger calls = new AtomicInteger();
        MemoryLedger ledger = new MemoryLedger();
        RunningBatch running = Bulwark.strings(List.of("rate-limited"))
                .handler(key -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new TransientException("rate-limit", "come back in 30s").retryAfter(Duration.ofSeconds(30));
                    }
                })
                .retry(Retry.exponential(2, Duration.ofSeconds(1)).withJitter(0))
                .ledger(ledger)
                .clock(clock)
                .start();

        await().atMost(Duration.ofSeconds(5)).until(() -> itemOf(ledger, running).status() == ItemStatus.RETRY_WAIT);
        assertThat(itemOf(ledger, running).nextAttemptAt()).isEqualTo(clock.now().plusSeconds(30));
        clock.advance(Duration.ofSeconds(30));

        assertThat(running.await().status()).isEqualTo(JobStatus.COMPLETED);
    }

    /** What a well-behaved handler does when the engine stops its attempt: gives up by throwing. */
    static void giveUpWhenStopped(ItemContext ctx) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        ctx.attemptContext().onStop(stopped::countDown);
        stopped.await(20, TimeUnit.SECONDS); // the engine also interrupts: that ends the wait too
        throw new InterruptedException("stopped");
    }

    private static Item itemOf(MemoryLedger ledger, RunningBatch running) {
        return ledger.findItem(running.jobId(), 1).orElseThrow();
    }

    @Test
    void a_critical_exception_stops_the_batch_and_skips_the_rest() {
        BatchResult result = Bulwark.batch(orders(5))
                .handler(o -> {
                    if (o.id() == 2) {
                        throw new CriticalException("config", "the target database refuses our credentials");
                    }
                })
                .ordered()
                .clock(clock)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.reason()).contains("critical error on item 2").contains("refuses our credentials");
        assertThat(result.succeeded()).isEqualTo(1);
        assertThat(result.skipped()).isEqualTo(3);
    }

    @Test
    void a_failed_chunk_runs_its_items_one_by_one_so_only_the_bad_one_fails() {
        List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
        Set<Integer> stored = ConcurrentHashMap.newKeySet();

        BatchResult result = Bulwark.batch(orders(8))
                .key(o -> "order-" + o.id())
                .chunks(4, chunk -> {
                    calls.add(chunk.stream().map(Order::id).toList());
                    if (chunk.stream().anyMatch(o -> o.id() == 6)) {
                        throw new IllegalArgumentException("order 6 violates a constraint");
                    }
                    chunk.forEach(o -> stored.add(o.id()));
                })
                .classify(IllegalArgumentException.class, ErrorClass.PERMANENT, "constraint")
                .chunkLinger(Duration.ofSeconds(5))
                .clock(clock)
                .run();

        assertThat(stored).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 7, 8);
        assertThat(result.failures()).singleElement().satisfies(item -> {
            assertThat(item.key()).isEqualTo("order-6");
            assertThat(item.category()).isEqualTo("constraint");
            assertThat(item.attempts()).isEqualTo(1);
        });
        // one chunk of all four per group; the failed group again one at a time
        assertThat(calls.stream().filter(c -> c.size() == 4)).hasSize(2);
        assertThat(calls.stream().filter(c -> c.size() == 1).map(c -> c.get(0))).containsExactlyInAnyOrder(5, 6, 7, 8);
        assertThat(result.job().config().concurrency()).isEqualTo(4);
        assertThat(result.job().config().input()).containsEntry("chunk_size", "4");
    }

    @Test
    void refuses_a_batch_with_a_bad_item_before_storing_anything() {
        MemoryLedger ledger = new MemoryLedger();
        List<Order> items = new ArrayList<>(orders(3));
        items.add(new Order(4, null));

        assertThatThrownBy(() -> Bulwark.batch(items).key(Order::customer).handler(o -> { }).ledger(ledger).run())
                .isInstanceOf(ValidationException.class)
                .hasMessage("the key of item 4 (Order[id=4, customer=null]) is null; every item needs a key");
        assertThat(ledger.listJobs(dev.bulwark.ledger.JobQuery.all())).isEmpty();
        assertThatThrownBy(() -> Bulwark.batch(items).concurrency(0)).hasMessage("concurrency must be between 1 and 10000, but was 0");
        assertThatThrownBy(() -> Bulwark.batch(items).run()).hasMessageContaining("a batch needs a handler");
        assertThatThrownBy(() -> Bulwark.batch(items).handler(o -> { }).chunks(2, c -> { }))
                .hasMessageContaining("a batch takes one handler");
    }

    @Test
    void pages_per_item_results_from_the_ledger() {
        BatchResult result = Bulwark.batch(IntStream.rangeClosed(1, 2_500).boxed().toList())
                .handler(i -> {
                    if (i % 1_000 == 0) {
                        throw new PermanentException("every thousandth");
                    }
                })
                .concurrency(8)
                .clock(clock)
                .run();

        assertThat(result.items().count()).isEqualTo(2_500);
        assertThat(result.items().map(Item::seq).toList()).isSorted();
        assertThat(result.failures().map(Item::key)).containsExactly("1000", "2000");
        assertThat(result.items(Set.of(ItemStatus.SUCCEEDED)).count()).isEqualTo(2_498);
    }

    @Test
    void listeners_hear_each_outcome_and_the_final_progress() {
        List<ItemOutcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        List<Progress> progress = Collections.synchronizedList(new ArrayList<>());

        Bulwark.strings(List.of("a", "b", "c"))
                .handler(k -> {
                    if (k.equals("b")) {
                        throw new PermanentException("bad", "b is bad");
                    }
                })
                .onItem(outcomes::add)
                .onProgress(progress::add)
                .clock(clock)
                .run();

        assertThat(outcomes).extracting(ItemOutcome::key, ItemOutcome::kind).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("a", ItemOutcome.Kind.SUCCEEDED),
                org.assertj.core.groups.Tuple.tuple("b", ItemOutcome.Kind.FAILED),
                org.assertj.core.groups.Tuple.tuple("c", ItemOutcome.Kind.SUCCEEDED));
        ItemOutcome failed = outcomes.stream().filter(o -> o.kind() == ItemOutcome.Kind.FAILED).findFirst().orElseThrow();
        assertThat(failed.errorClass()).isEqualTo(ErrorClass.PERMANENT);
        assertThat(failed.message()).isEqualTo("b is bad");
        assertThat(progress.get(progress.size() - 1).counts().done()).isEqualTo(3);
    }

    @Test
    void resumes_a_paused_batch_from_the_ledger_without_running_finished_items_again() throws Exception {
        MemoryLedger ledger = new MemoryLedger();
        CountDownLatch secondStarted = new CountDownLatch(1);
        List<String> firstRun = Collections.synchronizedList(new ArrayList<>());
        RunningBatch running = Bulwark.paths(List.of(Path.of("in/a.xml"), Path.of("in/b.xml"), Path.of("in/c.xml")))
                .handlerWithContext((path, ctx) -> {
                    firstRun.add(path.toString());
                    if (path.endsWith("b.xml")) {
                        secondStarted.countDown();
                        giveUpWhenStopped(ctx);
                    }
                })
                .ordered()
                .ledger(ledger)
                .clock(clock)
                .start();
        assertThat(secondStarted.await(5, TimeUnit.SECONDS)).isTrue();
        running.pause("operator");
        assertThat(running.await().status()).isEqualTo(JobStatus.PAUSED);

        List<Path> secondRun = Collections.synchronizedList(new ArrayList<>());
        BatchResult resumed = Bulwark.paths(List.<Path>of())
                .handler(secondRun::add)
                .ledger(ledger)
                .clock(clock)
                .resume(running.jobId());

        assertThat(resumed.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(firstRun).containsExactly("in/a.xml", "in/b.xml");
        assertThat(secondRun).containsExactly(Path.of("in/b.xml"), Path.of("in/c.xml"));
        assertThat(resumed.attempts(2)).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.INTERRUPTED, AttemptOutcome.SUCCEEDED);
    }

    @Test
    void resuming_needs_a_restore_function_and_the_ledger() {
        java.util.UUID id = java.util.UUID.randomUUID();
        assertThatThrownBy(() -> Bulwark.batch(orders(1)).handler(o -> { }).ledger(new MemoryLedger()).resume(id))
                .isInstanceOf(ValidationException.class)
                .hasMessage("resuming job " + id + " needs .restore(item -> ...) to rebuild items from their stored key and payload");
        assertThatThrownBy(() -> Bulwark.strings(List.of()).handler(o -> { }).resume(id))
                .hasMessage("resuming job " + id + " needs .ledger(...): the ledger that holds it");
    }

    @Test
    void stores_payload_and_scope_and_rebuilds_items_from_them() {
        MemoryLedger ledger = new MemoryLedger();
        BatchResult first = Bulwark.batch(orders(2))
                .key(o -> "order-" + o.id())
                .scope(o -> "shard-" + (o.id() % 2))
                .payload(o -> o)
                .restore(item -> dev.bulwark.util.Json.read(item.payload(), Order.class))
                .handler(o -> {
                    throw new PermanentException("first run fails " + o.customer());
                })
                .ledger(ledger)
                .clock(clock)
                .run();
        assertThat(first.items()).extracting(Item::scope, Item::payload).containsExactly(
                org.assertj.core.groups.Tuple.tuple("shard-1", "{\"id\":1,\"customer\":\"customer-1\"}"),
                org.assertj.core.groups.Tuple.tuple("shard-0", "{\"id\":2,\"customer\":\"customer-2\"}"));

        List<Order> retried = Collections.synchronizedList(new ArrayList<>());
        BatchResult second = Bulwark.batch(List.<Order>of())
                .restore(item -> dev.bulwark.util.Json.read(item.payload(), Order.class))
                .handler(retried::add)
                .ledger(ledger)
                .clock(clock)
                .retryFailed(first.jobId());

        assertThat(second.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(retried).containsExactlyInAnyOrder(new Order(1, "customer-1"), new Order(2, "customer-2"));
    }

    @Test
    void writes_each_items_log_with_header_handler_lines_and_outcome(@TempDir Path logs) throws Exception {
        BatchResult result = Bulwark.strings(List.of("token 162", "token-163"))
                .handlerWithContext((key, ctx) -> {
                    ctx.log("sending PRINT " + key);
                    if (key.equals("token-163")) {
                        throw new PermanentException("nak", "node answered NAK");
                    }
                })
                .logDirectory(logs)
                .describe("node", "AP01m")
                .clock(clock)
                .run();

        List<String> first = Files.readAllLines(logs.resolve(result.jobId().toString()).resolve("1.log"));
        assertThat(first).hasSize(3);
        assertThat(first.get(0)).startsWith("# bulwark job=" + result.jobId() + " seq=1 item=\"token 162\" scope=- attempt=1 time=")
                .endsWith(" handler=java");
        assertThat(first.get(1)).isEqualTo("sending PRINT token 162");
        assertThat(first.get(2)).matches("# duration_ms=\\d+ outcome=succeeded");
        List<String> second = Files.readAllLines(logs.resolve(result.jobId().toString()).resolve("2.log"));
        assertThat(second.get(2)).matches("# duration_ms=\\d+ outcome=failed class=permanent category=nak message=\"node answered NAK\"");
        assertThat(result.job().config().input()).containsEntry("node", "AP01m");
    }

    @Test
    void stops_an_attempt_that_runs_past_its_timeout_and_retries_it() {
        AtomicInteger calls = new AtomicInteger();
        BatchResult result = Bulwark.strings(List.of("hangs once"))
                .handlerWithContext((key, ctx) -> {
                    if (calls.incrementAndGet() == 1) {
                        giveUpWhenStopped(ctx);
                    }
                })
                .timeout(Duration.ofMillis(100))
                .retry(Retry.fixed(1, Duration.ZERO))
                .clock(clock)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(result.attempts(1)).extracting(Attempt::category).containsExactly("timeout", null);
    }

    @Test
    void halts_after_max_failures_and_skips_the_rest() {
        BatchResult result = Bulwark.batch(orders(10))
                .handler(o -> {
                    throw new PermanentException("bad", "order " + o.id());
                })
                .maxFailures(2)
                .ordered()
                .clock(clock)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.failed()).isEqualTo(2);
        assertThat(result.skipped()).isEqualTo(8);
        assertThat(result.reason()).startsWith("max-failures: 2 item(s) failed");
    }

    @Test
    void cancelling_a_started_batch_skips_what_is_left() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        RunningBatch running = Bulwark.batch(orders(5))
                .handlerWithContext((o, ctx) -> {
                    first.countDown();
                    giveUpWhenStopped(ctx);
                })
                .ordered()
                .clock(clock)
                .start();
        assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(running.progress()).isPresent();

        running.cancel("not needed any more");
        BatchResult result = running.await();

        assertThat(result.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(result.skipped()).isEqualTo(5);
        assertThat(result.reason()).isEqualTo("not needed any more");
    }

    @Test
    void a_critical_failure_of_a_chunk_is_named_on_the_first_item_that_throws_it_alone_and_stops_the_batch() {
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        BatchResult result = Bulwark.batch(orders(6))
                .chunks(3, chunk -> {
                    sizes.add(chunk.size());
                    throw new CriticalException("db", "the database is read-only");
                })
                .chunkLinger(Duration.ofSeconds(5))
                .clock(clock)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        // the chunk, then its first item alone, which throws it again: the others are not run
        assertThat(sizes).containsExactly(3, 1);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.skipped()).isEqualTo(5);
        assertThat(result.succeeded()).isZero();
        assertThat(result.reason()).contains("critical error on item 1").contains("the database is read-only");
    }

    @Test
    void retry_factories_build_the_policies_they_name() {
        assertThat(Retry.exponential(3, Duration.ofSeconds(1))).isEqualTo(
                new RetryPolicy(4, Duration.ofSeconds(1), RetryPolicy.DEFAULT_MAX_DELAY, 2.0, RetryPolicy.DEFAULT_JITTER));
        assertThat(Retry.fixed(2, Duration.ofSeconds(5)).delayAfter(2, new Random(1))).isEqualTo(Duration.ofSeconds(5));
        assertThat(Retry.none().maxAttempts()).isEqualTo(1);
    }
}
