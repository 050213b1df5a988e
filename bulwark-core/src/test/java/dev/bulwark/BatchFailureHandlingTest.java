package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerConfig.OnOpen;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.http.HttpHandler;
import dev.bulwark.http.HttpSpec;
import dev.bulwark.ledger.MemoryLedger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java API's breakers, halting, job timeouts, stop-on-first-failure and rollback, on a
 * settable clock: open times and budgets pass only when the test moves the clock, never by sleeping.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BatchFailureHandlingTest {
    private final SettableClock clock = new SettableClock();
    private final MemoryLedger ledger = new MemoryLedger();

    /** An operation on a machine: the typed item of these batches. */
    record Op(int id, String machine) {
    }

    /** Ops 1..n, op i on {@code machines[(i-1) % machines.length]}. */
    private static List<Op> ops(int n, String... machines) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> new Op(i, machines[(i - 1) % machines.length])).toList();
    }

    private static TransientException down(Op op) {
        return new TransientException("connect", op.machine() + " does not answer");
    }

    // ---- breakers ---------------------------------------------------------------------------

    @Test
    void an_open_scope_pauses_while_the_others_finish_then_one_trial_goes_and_the_rest_follow() throws Exception {
        AtomicBoolean back = new AtomicBoolean();
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        List<BreakerStatus> transitions = Collections.synchronizedList(new ArrayList<>());
        RunningBatch running = Bulwark.batch(ops(20, "alpha", "beta"))
                .key(op -> "op-" + op.id())
                .scope(Op::machine)
                .handler(op -> {
                    calls.computeIfAbsent(op.machine(), m -> new AtomicInteger()).incrementAndGet();
                    if (op.machine().equals("beta") && !back.get()) {
                        throw down(op);
                    }
                })
                .concurrency(2)
                .retry(Retry.fixed(5, Duration.ofSeconds(1)))
                .breaker(BreakerPolicy.consecutive(2).withOpen(Duration.ofSeconds(30), 1.0, null))
                .onBreaker(transitions::add)
                .ledger(ledger)
                .clock(clock)
                .start();

        // alpha finishes while beta is open and the clock stands still
        await().until(() -> ledger.counts(running.jobId()).succeeded() == 10);
        assertThat(running.breakers()).extracting(BreakerStatus::scope, BreakerStatus::state, BreakerStatus::openUntil)
                .containsExactly(tuple("beta", State.OPEN, clock.now().plusSeconds(30)));
        // 2 failures open it; with concurrency 2 a third beta attempt may already run when it opens
        int betaFailures = calls.get("beta").get();
        assertThat(betaFailures).isBetween(2, 3);
        assertThat(running.progress().orElseThrow().breakers()).extracting(BreakerStatus::scope).containsExactly("beta");

        clock.advance(Duration.ofSeconds(29)); // the retries fall due, the breaker is still open: no attempt
        assertThat(calls.get("beta")).hasValue(betaFailures);
        back.set(true);
        clock.advance(Duration.ofSeconds(1));
        BatchResult result = running.await();

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(calls.get("beta")).hasValue(betaFailures + 10);
        assertThat(calls.get("alpha")).hasValue(10);
        assertThat(result.breakers()).isEmpty();
        assertThat(transitions).extracting(BreakerStatus::scope, BreakerStatus::state)
                .containsExactly(tuple("beta", State.OPEN), tuple("beta", State.HALF_OPEN), tuple("beta", State.CLOSED));
        assertThat(transitions.get(0).reason()).startsWith("2 consecutive failures");
        assertThat(result.job().config().breaker()).isEqualTo(new BreakerConfig(
                BreakerPolicy.consecutive(2).withOpen(Duration.ofSeconds(30), 1.0, null), OnOpen.PAUSE, "java"));
    }

    @Test
    void a_breaker_in_halt_mode_fails_the_batch_and_a_reset_lets_resume_run_the_rest() {
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean back = new AtomicBoolean();
        BatchBuilder<String> batch = Bulwark.strings(IntStream.rangeClosed(1, 8).mapToObj(i -> "cmd-" + i).toList())
                .handler(cmd -> {
                    calls.incrementAndGet();
                    if (!back.get()) {
                        throw new TransientException("node-down", "no answer");
                    }
                })
                .retry(Retry.none())
                .breaker(BreakerPolicy.consecutive(3))
                .onOpen(OnOpen.HALT)
                .ledger(ledger)
                .clock(clock);

        BatchResult halted = batch.run();

        assertThat(calls).hasValue(3);
        assertThat(halted.status()).isEqualTo(JobStatus.FAILED);
        assertThat(halted.reason()).startsWith("breaker-open: the breaker of scope * opened (3 consecutive failures");
        assertThat(List.of(halted.failed(), halted.skipped())).containsExactly(3L, 5L);
        assertThat(halted.breakers()).extracting(BreakerStatus::scope, BreakerStatus::openUntil)
                .containsExactly(tuple("*", clock.now().plusSeconds(60)));

        back.set(true);
        assertThat(batch.resetBreaker(halted.jobId(), "*")).isTrue();
        assertThat(batch.breakers(halted.jobId())).isEmpty();
        BatchResult resumed = batch.resume(halted.jobId());

        assertThat(resumed.status()).isEqualTo(JobStatus.PARTIAL); // the three that opened it stay FAILED
        assertThat(resumed.succeeded()).isEqualTo(5);
        assertThat(calls).hasValue(8);
    }

    @Test
    void a_breaker_in_fail_mode_fails_the_open_scopes_items_without_attempts_and_counts_only_chosen_classes() {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        BatchResult result = Bulwark.batch(ops(12, "alpha", "beta", "gamma"))
                .key(op -> "op-" + op.id())
                .scope(Op::machine)
                .handler(op -> {
                    calls.computeIfAbsent(op.machine(), m -> new AtomicInteger()).incrementAndGet();
                    if (op.machine().equals("beta")) {
                        throw down(op);
                    }
                    if (op.machine().equals("gamma")) {
                        throw new PermanentException("bad-request", "op " + op.id() + " is refused"); // not counted
                    }
                })
                .ordered()
                .retry(Retry.none())
                .breaker(BreakerConfig.of(BreakerPolicy.consecutive(2).withCounted(Set.of(ErrorClass.TRANSIENT)))
                        .onOpen(OnOpen.FAIL))
                .clock(clock)
                .run();

        assertThat(calls.get("alpha")).hasValue(4);
        assertThat(calls.get("beta")).hasValue(2);
        assertThat(calls.get("gamma")).hasValue(4);
        assertThat(result.failures().filter(i -> i.category().equals("breaker-open")))
                .extracting(Item::key, Item::attempts).containsExactly(tuple("op-8", 0), tuple("op-11", 0));
        assertThat(result.breakers()).extracting(BreakerStatus::scope).containsExactly("beta");
    }

    @Test
    void a_running_batch_resets_a_breaker_and_its_scope_runs_at_once() {
        AtomicBoolean back = new AtomicBoolean();
        RunningBatch running = Bulwark.batch(ops(6, "alpha"))
                .scope(Op::machine)
                .handler(op -> {
                    if (!back.get()) {
                        throw down(op);
                    }
                })
                .retry(Retry.fixed(3, Duration.ofSeconds(1)))
                .breaker(BreakerPolicy.consecutive(1).withOpen(Duration.ofMinutes(10), 1.0, null))
                .ledger(ledger)
                .clock(clock)
                .start();
        await().until(() -> !running.breakers().isEmpty());
        clock.advance(Duration.ofSeconds(1)); // the retry is due, the breaker open for 10 minutes

        back.set(true);
        assertThat(running.resetBreaker("alpha")).isTrue();
        BatchResult result = running.await();

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(running.breakers()).isEmpty();
        assertThat(running.resetBreaker("alpha")).isFalse();
    }

    @Test
    void the_http_handler_gives_each_item_its_host_and_port_as_scope_when_a_breaker_is_set() {
        HttpHandler http = new HttpHandler(HttpSpec.builder("GET", "{}").build());
        BatchResult result = Bulwark.strings(List.of("http://127.0.0.1:1/a", "http://LOCALHOST:1/b"))
                .itemHandler(http)
                .retry(Retry.none())
                .breaker(BreakerPolicy.consecutive(100))
                .clock(clock)
                .run();

        assertThat(result.items()).extracting(Item::scope).containsExactly("127.0.0.1:1", "localhost:1");
        assertThat(result.job().config().breaker().scope()).isEqualTo("host:port");
        assertThat(result.failures()).extracting(Item::category).containsOnly("connect");
        assertThatThrownBy(() -> Bulwark.strings(List.of("not a url")).itemHandler(http).breaker(BreakerPolicy.consecutive(3)).run())
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("item 1 (not a url) has no breaker scope:");
    }

    @Test
    void on_open_without_a_breaker_is_refused() {
        assertThatThrownBy(() -> Bulwark.strings(List.of("a")).handler(s -> { }).onOpen(OnOpen.HALT).run())
                .isInstanceOf(ValidationException.class)
                .hasMessage(".onOpen(HALT) needs a circuit breaker: add .breaker(policy)");
        assertThatThrownBy(() -> Bulwark.strings(List.of("a")).jobTimeout(Duration.ZERO))
                .hasMessage("job timeout must be positive, but was PT0S");
    }

    // ---- halting ----------------------------------------------------------------------------

    @Test
    void a_job_timeout_halts_the_batch_and_stops_the_running_attempt() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        RunningBatch running = Bulwark.strings(List.of("a", "b", "c"))
                .handlerWithContext((s, ctx) -> {
                    started.countDown();
                    BulwarkApiTest.giveUpWhenStopped(ctx);
                })
                .jobTimeout(Duration.ofSeconds(10))
                .jobTimeoutPerItem(Duration.ofSeconds(1))
                .ledger(ledger)
                .clock(clock)
                .start();
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        clock.advance(Duration.ofSeconds(13)); // 10 s + 3 × 1 s

        BatchResult result = running.await();
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.reason()).isEqualTo("job-timeout: the job ran out of its time budget (10s + 1s per item)");
        assertThat(result.skipped()).isEqualTo(3);
        assertThat(result.counts().interruptions()).isEqualTo(1);
    }

    @Test
    void halt_soon_lets_the_running_attempt_finish_with_its_outcome() {
        CountDownLatch release = new CountDownLatch(1);
        BatchResult result = Bulwark.strings(List.of("slow", "bad", "c", "d", "e"))
                .handlerWithContext((s, ctx) -> {
                    if (s.equals("slow")) {
                        release.await(20, TimeUnit.SECONDS);
                    } else if (s.equals("bad")) {
                        throw new TransientException("node-down", "no answer");
                    }
                })
                .concurrency(2)
                .retry(Retry.none())
                .breaker(BreakerPolicy.consecutive(1))
                .onOpen(OnOpen.HALT)
                .haltSoon()
                .onBreaker(b -> release.countDown())
                .clock(clock)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.job().config().halt()).isEqualTo(HaltMode.SOON);
        assertThat(result.items()).extracting(Item::key, Item::status).startsWith(
                tuple("slow", ItemStatus.SUCCEEDED), tuple("bad", ItemStatus.FAILED));
        assertThat(result.skipped()).isEqualTo(3);
        assertThat(result.counts().interruptions()).isZero();
    }

    @Test
    void stop_on_first_failure_halts_at_the_first_item_that_fails_for_good() {
        BatchResult result = Bulwark.batch(ops(6, "alpha"))
                .key(op -> "op-" + op.id())
                .handler(op -> {
                    if (op.id() == 3) {
                        throw new PermanentException("invalid", "op 3 is malformed");
                    }
                })
                .ordered()
                .stopOnFirstFailure()
                .clock(clock)
                .run();

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.reason()).startsWith("stop-on-first-failure: item 3 (op-3) failed");
        assertThat(List.of(result.succeeded(), result.failed(), result.skipped())).containsExactly(2L, 1L, 3L);
    }

    // ---- rollback ---------------------------------------------------------------------------

    @Test
    void a_critical_error_rolls_back_the_succeeded_typed_items_newest_first() {
        List<Integer> undone = Collections.synchronizedList(new ArrayList<>());
        BatchResult result = Bulwark.batch(ops(6, "db"))
                .key(op -> "op-" + op.id())
                .handler(op -> {
                    clock.advance(Duration.ofSeconds(1)); // each item finishes later than the one before
                    if (op.id() == 4) {
                        throw new CriticalException("credentials", "the database refuses our password");
                    }
                })
                .rollback(op -> undone.add(op.id()))
                .ordered()
                .ledger(ledger)
                .clock(clock)
                .run();

        assertThat(undone).containsExactly(3, 2, 1);
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.reason()).startsWith("critical error on item 4 (op-4)").endsWith("rolled back: 3 item(s) compensated");
        assertThat(List.of(result.compensated(), result.failed(), result.skipped(), result.succeeded()))
                .containsExactly(3L, 1L, 2L, 0L);
        assertThat(result.items(Set.of(ItemStatus.COMPENSATED))).extracting(Item::key).containsExactly("op-1", "op-2", "op-3");
        assertThat(result.attempts(2)).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.SUCCEEDED, AttemptOutcome.COMPENSATED);
        assertThat(result.job().config().rollback()).isTrue();
        assertThat(result.toString()).contains("3 compensated");
    }

    @Test
    void a_compensators_exception_is_classified_like_the_handlers_and_leaves_its_item_succeeded() {
        BatchResult result = Bulwark.batch(ops(4, "db"))
                .key(op -> "op-" + op.id())
                .handler(op -> {
                    if (op.id() == 3) {
                        throw new IllegalStateException("schema changed under us");
                    }
                })
                .rollback(op -> {
                    if (op.id() == 1) {
                        throw new java.sql.SQLException("row locked");
                    }
                })
                .classify(IllegalStateException.class, ErrorClass.CRITICAL, "schema")
                .classify(java.sql.SQLException.class, ErrorClass.TRANSIENT, "database")
                .ordered()
                .clock(clock)
                .run();

        assertThat(result.reason()).startsWith("critical error on item 3 (op-3): schema")
                .endsWith("rolled back: 1 item(s) compensated, 1 compensation(s) failed (those items stay SUCCEEDED; see their attempts)");
        assertThat(result.items()).extracting(Item::key, Item::status).containsExactly(tuple("op-1", ItemStatus.SUCCEEDED),
                tuple("op-2", ItemStatus.COMPENSATED), tuple("op-3", ItemStatus.FAILED), tuple("op-4", ItemStatus.SKIPPED));
        assertThat(result.attempts(1)).extracting(Attempt::outcome, Attempt::category, Attempt::message).containsExactly(
                tuple(AttemptOutcome.SUCCEEDED, null, null),
                tuple(AttemptOutcome.COMPENSATION_FAILED, "database", "SQLException: row locked"));
    }

    @Test
    void a_compensator_with_context_knows_the_job_and_its_attempt_and_logs_to_the_items_log(@org.junit.jupiter.api.io.TempDir
                                                                                              java.nio.file.Path logs) throws Exception {
        List<String> undone = Collections.synchronizedList(new ArrayList<>());
        BatchResult result = Bulwark.strings(List.of("a", "b"))
                .handler(s -> {
                    if (s.equals("b")) {
                        throw new CriticalException("config", "wrong target");
                    }
                })
                .rollbackWithContext((s, ctx) -> {
                    undone.add(s + "@" + ctx.jobId() + "#" + ctx.attempt());
                    ctx.log("deleted " + s);
                })
                .ordered()
                .logDirectory(logs)
                .clock(clock)
                .run();

        assertThat(undone).containsExactly("a@" + result.jobId() + "#2");
        assertThat(java.nio.file.Files.readString(logs.resolve(result.jobId().toString()).resolve("1.log")))
                .contains("attempt=2").contains("handler=compensate").contains("deleted a");
    }

    @Test
    void without_a_critical_error_nothing_is_rolled_back() {
        List<Integer> undone = Collections.synchronizedList(new ArrayList<>());
        BatchResult result = Bulwark.batch(ops(3, "db"))
                .handler(op -> {
                    if (op.id() == 2) {
                        throw new PermanentException("invalid", "op 2 is malformed");
                    }
                })
                .rollback(op -> undone.add(op.id()))
                .clock(clock)
                .run();

        assertThat(undone).isEmpty();
        assertThat(result.status()).isEqualTo(JobStatus.PARTIAL);
        assertThat(result.compensated()).isZero();
    }
}
