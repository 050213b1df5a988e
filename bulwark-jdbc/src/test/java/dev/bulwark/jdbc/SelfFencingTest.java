package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.ItemHandler;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.jdbc.worker.Worker;
import dev.bulwark.jdbc.worker.WorkerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Self-fencing on a real PostgreSQL through a fault-injecting TCP proxy: worker {@code a} reaches
 * the database only through the proxy, worker {@code b} directly. While {@code a} runs an attempt
 * longer than the lease, the proxy black-holes (or delays beyond the lease) everything for several
 * leases, then heals. Every execution notes its start and end on this JVM's monotonic clock: no
 * item may run on both workers at once, every item has exactly one success, the job ends once,
 * and {@code a} takes up work again after healing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SelfFencingTest {
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final int ITEMS = 100;
    /** Every tenth item runs longer than the lease. */
    private static final Duration LONG = Duration.ofSeconds(3);
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final Pattern HOST_PORT = Pattern.compile("^jdbc:postgresql://([^/:?]+)(?::(\\d+))?/");

    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("fencing");

    private final RunningWorkers running = new RunningWorkers();
    private final Queue<Execution> executions = new ConcurrentLinkedQueue<>();
    private final Map<String, Long> started = new ConcurrentHashMap<>();

    /** One execution of an item on a worker, on the monotonic clock; {@code completed}: it ran to its end. */
    private record Execution(String worker, long seq, long start, long end, boolean completed) {
    }

    @AfterEach
    void stopWorkers() throws Exception {
        running.stopAll();
    }

    @Test
    void a_worker_cut_off_by_a_black_hole_stops_its_attempts_before_another_worker_can_take_them() throws Exception {
        partitionAndHeal(FaultProxy::blackHole);
    }

    @Test
    void a_worker_whose_packets_arrive_later_than_the_lease_stops_its_attempts_in_time() throws Exception {
        partitionAndHeal(proxy -> proxy.delay(LEASE.plusMillis(500)));
    }

    private void partitionAndHeal(Consumer<FaultProxy> fault) throws Exception {
        String url = PG.url(null);
        Matcher m = HOST_PORT.matcher(url);
        assertThat(m.find()).as(url).isTrue();
        try (FaultProxy proxy = new FaultProxy(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)))) {
            WorkerOptions optionsA = options("a");
            WorkQueue viaProxy = new WorkQueue(PG.closeAfter(PostgresLedger.open(
                    m.replaceFirst("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/"), optionsA.driverDefaults())));
            WorkerOptions optionsB = options("b");
            WorkQueue direct = new WorkQueue(PG.closeAfter(PostgresLedger.open(url, optionsB.driverDefaults())));
            Job job = WorkQueueTest.workerJob(direct, ITEMS, 0, 6);
            Worker a = new Worker(viaProxy, optionsA, j -> handler("a"), null, BulwarkClock.system(), new Random(1));
            Worker b = new Worker(direct, optionsB, j -> handler("b"), null, BulwarkClock.system(), new Random(2));
            running.start(a);
            running.start(b);

            // a runs an attempt longer than the lease when it is cut off.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> longRunningOn("a") != null);
            long held = longRunningOn("a");
            fault.accept(proxy);
            long cut = System.nanoTime();
            // Cut off for several leases: b takes the item over meanwhile.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> started.containsKey("b:" + held) && System.nanoTime() - cut >= 3 * LEASE.toNanos());
            proxy.pass();
            long healed = System.nanoTime();

            await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> direct.ledger().findJob(job.id()).orElseThrow().status().isFinal());
            assertThat(direct.ledger().findJob(job.id()).orElseThrow().status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(direct.ledger().events(job.id(), 10_000)).extracting(EngineEvent::type)
                    .containsOnlyOnce(EngineEvent.JOB_FINISHED);
            assertThat(WorkerTest.itemsWithoutExactlyOneSuccess(PG, job)).isZero();
            long overlap = longestOverlapNanos();
            System.out.printf("self-fencing: a fenced %d attempt(s); longest overlap of one item on two workers: %.1f ms%n",
                    a.stats().fenced(), overlap / 1e6);
            assertThat(overlap).as("nanoseconds one item ran on two workers at once").isZero();
            assertThat(a.stats().fenced()).isPositive();
            assertThat(executions).as("a took up work again after healing")
                    .anyMatch(e -> e.worker().equals("a") && e.start() > healed);
        }
    }

    private static WorkerOptions options(String name) {
        // Stalls: with the delay, claims of a come back too late and their leases expire unused; that is not the items' fault.
        return WorkerOptions.builder(name).concurrency(3).claimBatch(6).lease(LEASE).maxStalls(50)
                .poll(Duration.ofMillis(200)).grace(Duration.ofSeconds(5)).build();
    }

    /** Runs an item for its time; notes when it started and ended (interrupted or not). */
    private ItemHandler handler(String worker) {
        return ctx -> {
            long start = System.nanoTime();
            started.put(worker + ":" + ctx.seq(), start);
            Duration time = ctx.seq() % 10 == 0 ? LONG : SHORT;
            try {
                Thread.sleep(time);
            } catch (InterruptedException e) {
                executions.add(new Execution(worker, ctx.seq(), start, System.nanoTime(), false));
                Thread.currentThread().interrupt();
                return AttemptResult.failure(ErrorClass.TRANSIENT, "interrupted", "stopped");
            }
            executions.add(new Execution(worker, ctx.seq(), start, System.nanoTime(), true));
            return AttemptResult.success();
        };
    }

    /** The long item {@code worker} runs now, or null. */
    private Long longRunningOn(String worker) {
        for (Map.Entry<String, Long> e : started.entrySet()) {
            String[] parts = e.getKey().split(":");
            long seq = Long.parseLong(parts[1]);
            if (parts[0].equals(worker) && seq % 10 == 0
                    && executions.stream().noneMatch(x -> x.worker().equals(worker) && x.seq() == seq)) {
                return seq;
            }
        }
        return null;
    }

    /** The longest time any item ran on two workers at once (0: never). */
    private long longestOverlapNanos() {
        long longest = 0;
        Map<Long, List<Execution>> bySeq = executions.stream().collect(Collectors.groupingBy(Execution::seq));
        for (List<Execution> runs : bySeq.values()) {
            List<Execution> sorted = new ArrayList<>(runs);
            sorted.sort(Comparator.comparingLong(Execution::start));
            long end = Long.MIN_VALUE;
            for (Execution e : sorted) {
                if (end != Long.MIN_VALUE) {
                    longest = Math.max(longest, end - e.start());
                }
                end = end == Long.MIN_VALUE ? e.end() : Math.max(end, e.end());
            }
        }
        return longest;
    }
}
