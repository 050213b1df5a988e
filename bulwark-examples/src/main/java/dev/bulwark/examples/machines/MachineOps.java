package dev.bulwark.examples.machines;

import dev.bulwark.Attempt;
import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemContext;
import dev.bulwark.ItemStatus;
import dev.bulwark.PermanentException;
import dev.bulwark.Retry;
import dev.bulwark.TransientException;
import dev.bulwark.breaker.BreakerConfig.OnOpen;
import dev.bulwark.breaker.BreakerOpenException;
import dev.bulwark.breaker.NamedBreaker;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.examples.Expectations;
import dev.bulwark.examples.Options;
import dev.bulwark.examples.Reports;
import dev.bulwark.jdbc.SqliteLedger;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Example 4: operations on several remote machines, with a circuit breaker per machine. Four
 * simulated machines (TCP servers on the loopback interface) each get six operations, four at a
 * time. One machine, {@code db-02}, refuses one operation (a permanent error: the machine is
 * fine, the request is wrong), then its agent crashes and drops every connection (a severe
 * error). After 3 severe errors within 60 s its breaker opens: its items wait, using no attempts,
 * while the other machines go on at full speed. An alert has someone repair it; when the open
 * time has passed one trial operation goes through, succeeds, the breaker closes and the
 * machine's remaining operations follow.
 *
 * <pre>
 * MachineOps --work DIR [--open 2s] [--check yes]
 * </pre>
 */
public final class MachineOps {
    static final String FAILING = "db-02";
    static final List<String> MACHINES = List.of("web-01", FAILING, "cache-03", "batch-04");
    /** The operations each machine gets, in this order. */
    static final List<String[]> ACTIONS = List.of(
            new String[] {"rotate-logs", "/var/log/app"},
            new String[] {"apply-patch", "patch-2026-11b"},
            new String[] {"restart-service", "agent"},
            new String[] {"clean-tmp", "/tmp"},
            new String[] {"check-disk", "/"},
            new String[] {"sync-clock", "ntp"});
    /** Severe errors: the machine does not answer. Only these count for its breaker. */
    static final ErrorClass SEVERE = ErrorClass.TRANSIENT;

    private MachineOps() {
    }

    /**
     * One operation on one machine.
     *
     * @param id      its number in the batch
     * @param machine the machine it runs on: its breaker scope
     * @param action  what to do
     * @param target  on what
     */
    public record Operation(int id, String machine, String action, String target) {
        String key() {
            return machine + ": " + action + " " + target;
        }
    }

    /** The batch: round by round, one operation per machine in each round. */
    static List<Operation> operations() {
        List<Operation> ops = new ArrayList<>();
        for (String[] action : ACTIONS) {
            for (String machine : MACHINES) {
                ops.add(new Operation(ops.size() + 1, machine, action[0], action[1]));
            }
        }
        return ops;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, Set.of("work", "open", "check"));
        Path work = o.path("work", "target/machine-ops");
        Duration openTime = o.duration("open", "2s");
        Files.createDirectories(work);

        Map<String, SimulatedMachine> machines = new LinkedHashMap<>();
        for (String name : MACHINES) {
            boolean failing = name.equals(FAILING);
            // db-02 has no patch-2026-11b, and from its 3rd connection on its agent is gone until repaired.
            machines.put(name, new SimulatedMachine(name, Duration.ofMillis(40), failing ? Set.of("patch-2026-11b") : Set.of(),
                    failing ? 3 : 0));
        }
        List<BreakerStatus> transitions = new CopyOnWriteArrayList<>();
        ScheduledExecutorService repairs = Executors.newSingleThreadScheduledExecutor();
        System.out.println("machine-ops: " + operations().size() + " operations on " + MACHINES.size() + " machines, 4 at a time; "
                + "breaker per machine: failures=3,window=60s counting " + SEVERE + " errors, open " + openTime.toMillis() + " ms");

        int code = 0;
        try (SqliteLedger ledger = SqliteLedger.open(work.resolve("ledger.db"))) {
            Instant start = Instant.now(); // times below are counted from here
            BatchResult result = Bulwark.batch(operations())
                    .name("machine operations")
                    .key(Operation::key)
                    .scope(Operation::machine)                           // one breaker per machine
                    .handlerWithContext((op, ctx) -> run(machines.get(op.machine()), op, ctx))
                    .classify(ConnectException.class, SEVERE, "unreachable")
                    .classify(SocketTimeoutException.class, SEVERE, "timeout")
                    .classify(SocketException.class, SEVERE, "unreachable")   // connection reset
                    .concurrency(4)
                    .retry(Retry.fixed(5, Duration.ofMillis(250)))
                    .timeout(Duration.ofSeconds(5))                      // a trial that hangs counts as failed
                    .breaker(policy(openTime))
                    .sharedBreakers()                                    // the ledger's breaker of each machine
                    .onOpen(OnOpen.PAUSE)
                    .onBreaker(b -> {
                        transitions.add(b);
                        System.out.printf(Locale.ROOT, "  %6d ms  breaker of %s %s%s (%s)%n", millis(start, b.since()), b.scope(),
                                b.state(), b.openUntil() == null ? "" : " until +" + millis(start, b.openUntil()) + " ms", b.reason());
                        if (b.state() == State.OPEN) {
                            // the alert reaches the on-call engineer, who restarts the agent half-way through the open time
                            repairs.schedule(() -> {
                                machines.get(b.scope()).back();
                                System.out.printf(Locale.ROOT, "  %6d ms  %s repaired (agent restarted)%n",
                                        millis(start, Instant.now()), b.scope());
                            }, openTime.toMillis() / 2, TimeUnit.MILLISECONDS);
                        }
                    })
                    .describe("machines", String.join(",", MACHINES))
                    .logDirectory(work.resolve("logs"))
                    .ledger(ledger)
                    .run();

            Reports.summary("machine-ops", result);
            printMachines(result, start);
            Instant repairedAt = machines.get(FAILING).backAt();
            List<String> outsideBatches = outsideBatches(ledger, machines, openTime);
            if (o.get("check", null) != null) {
                code = check(result, transitions, repairedAt, openTime);
                Expectations e = new Expectations("machine-ops, outside batches");
                e.expect("direct calls and a second job share " + FAILING + "'s breaker", List.of(
                        "3 direct calls failed: OPEN", "sync call refused, no connection", "async call refused, no connection",
                        "health checks: " + FAILING + " breaker-open without an attempt, 3 others succeeded",
                        "after repair and reset: async call OK"), outsideBatches);
                code = Math.max(code, e.exitCode());
            }
        } finally {
            repairs.shutdownNow();
            for (SimulatedMachine m : machines.values()) {
                m.close();
            }
        }
        System.exit(code);
    }

    /** The breaker of every machine: seed 003's 3 severe errors within 60 s, one trial after the open time. */
    static BreakerPolicy policy(Duration openTime) {
        return BreakerPolicy.failures(3, Duration.ofSeconds(60)).withCounted(Set.of(SEVERE)).withOpen(openTime, 1.0, null);
    }

    /**
     * Part 2: the same per-machine breakers outside the batch. {@code db-02}'s agent crashes again;
     * direct calls (the seed's decorator, synchronous and asynchronous) trip the ledger's breaker
     * {@code db-02}, further calls are refused without a connection, and a second job with
     * {@code .sharedBreakers()} makes no call to it while the other machines' checks run. After the
     * repair a reset by hand closes it for everyone. Returns what happened, one line per step.
     */
    private static List<String> outsideBatches(SqliteLedger ledger, Map<String, SimulatedMachine> machines, Duration openTime)
            throws Exception {
        List<String> steps = new ArrayList<>();
        SimulatedMachine db02 = machines.get(FAILING);
        db02.crash();
        NamedBreaker breaker = NamedBreaker.builder(FAILING, policy(openTime)).store(ledger.breakers())
                .classify(SocketException.class, SEVERE, "unreachable").build();
        Operation check = new Operation(0, FAILING, "check-disk", "/");
        for (int i = 0; i < 3; i++) {
            try {
                breaker.run(() -> runQuietly(db02, check));
            } catch (TransientException expected) {
                // a severe error: counted
            }
        }
        steps.add("3 direct calls failed: " + breaker.state());
        int connections = db02.connections();
        try {
            breaker.run(() -> runQuietly(db02, check));
            steps.add("sync call made");
        } catch (BreakerOpenException e) {
            steps.add("sync call refused" + (db02.connections() == connections ? ", no connection" : ""));
        }
        CompletableFuture<Void> async = breaker.callAsync(() -> CompletableFuture.runAsync(() -> runQuietly(db02, check)));
        steps.add(async.handle((v, e) -> e instanceof BreakerOpenException && db02.connections() == connections
                ? "async call refused, no connection" : "async call made").join());
        System.out.println("  outside batches: " + FAILING + "'s breaker " + breaker.state() + " after 3 direct calls; "
                + "calls refused until reset");

        List<Operation> checks = MACHINES.stream().map(m -> new Operation(0, m, "check-disk", "/")).toList();
        BatchResult health = Bulwark.batch(checks)
                .name("health checks")
                .key(Operation::key)
                .scope(Operation::machine)
                .handlerWithContext((op, ctx) -> run(machines.get(op.machine()), op, ctx))
                .classify(SocketException.class, SEVERE, "unreachable")
                .concurrency(4)
                .breaker(policy(openTime))
                .sharedBreakers()                                        // the same breakers as the batch and the direct calls
                .onOpen(OnOpen.FAIL)                                     // no call to an open machine
                .ledger(ledger)
                .run();
        Reports.summary("health checks", health);
        List<Item> checked = health.items().toList();
        boolean refused = checked.stream().anyMatch(i -> i.scope().equals(FAILING) && "breaker-open".equals(i.category())
                && i.attempts() == 0);
        long othersOk = checked.stream().filter(i -> !i.scope().equals(FAILING) && i.status() == ItemStatus.SUCCEEDED).count();
        steps.add("health checks: " + FAILING + (refused ? " breaker-open without an attempt" : " was called") + ", " + othersOk
                + " others succeeded");

        db02.back();
        breaker.reset();                                                 // bulwark breaker reset db-02 does the same
        steps.add("after repair and reset: async call " + breaker.callAsync(() -> CompletableFuture.runAsync(
                () -> runQuietly(db02, check))).handle((v, e) -> e == null ? "OK" : e.toString()).join());
        return steps;
    }

    /** {@link #run} for a direct call: an I/O error is a severe error of the machine. */
    private static void runQuietly(SimulatedMachine machine, Operation op) {
        try {
            run(machine, op, null);
        } catch (IOException e) {
            throw new TransientException("unreachable", machine.name() + ": " + e.getMessage());
        }
    }

    /** One operation: connect to the machine, {@code RUN ACTION TARGET}, read the one-line answer. */
    private static void run(SimulatedMachine machine, Operation op, ItemContext ctx) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), machine.port()), 1_000);
            socket.setSoTimeout(2_000);
            var out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.println("RUN " + op.action() + " " + op.target());
            String answer = in.readLine();
            if (ctx != null) {
                ctx.log(machine.name() + " < " + (answer == null ? "(dropped, no answer)" : answer));
            }
            if (answer == null) {
                throw new TransientException("unreachable", machine.name() + " dropped the connection without answering");
            }
            if (answer.startsWith("ERR 4")) {
                throw new PermanentException("refused", machine.name() + " answered: " + answer);
            }
            if (!answer.startsWith("OK ")) {
                throw new TransientException("error", machine.name() + " answered: " + answer);
            }
        }
    }

    private static long millis(Instant start, Instant at) {
        return Duration.between(start, at).toMillis();
    }

    /** Per machine: operations, outcomes, attempts, and when its last operation finished. */
    private static void printMachines(BatchResult result, Instant start) {
        System.out.println("  machine    ops  ok  failed  attempts  last done");
        for (String machine : MACHINES) {
            List<Item> items = result.items().filter(i -> i.scope().equals(machine)).toList();
            System.out.printf(Locale.ROOT, "  %-9s %4d %3d %7d %9d  %6d ms%n", machine, items.size(),
                    items.stream().filter(i -> i.status() == ItemStatus.SUCCEEDED).count(),
                    items.stream().filter(i -> i.status() == ItemStatus.FAILED).count(),
                    items.stream().mapToInt(Item::attempts).sum(),
                    items.stream().map(Item::finishedAt).max(Instant::compareTo).map(t -> millis(start, t)).orElse(-1L));
        }
    }

    private static int check(BatchResult result, List<BreakerStatus> transitions, Instant repairedAt, Duration openTime) {
        Expectations e = new Expectations("machine-ops");
        e.expect("breaker transitions (only " + FAILING + ")", List.of(FAILING + " OPEN", FAILING + " HALF_OPEN", FAILING + " CLOSED"),
                transitions.stream().map(b -> b.scope() + " " + b.state()).toList());
        if (transitions.size() != 3) {
            return e.exitCode();
        }
        BreakerStatus opened = transitions.get(0);
        BreakerStatus halfOpen = transitions.get(1);
        BreakerStatus closed = transitions.get(2);
        e.expectTrue("opened after 3 severe errors within 60s: " + opened.reason(),
                opened.reason().startsWith("3 failures within 1m; last: unreachable"));
        // The open interval, as the breaker itself counts it (its events are recorded a moment later).
        Instant openFrom = opened.openUntil().minus(openTime);
        Instant openUntil = opened.openUntil();
        e.expectTrue("the trial went only after the open time (" + openTime.toMillis() + " ms)",
                !halfOpen.since().isBefore(openUntil));

        List<Attempt> failing = new ArrayList<>();
        List<Item> others = new ArrayList<>();
        for (Item item : result.items().toList()) {
            if (item.scope().equals(FAILING)) {
                failing.addAll(result.attempts(item.seq()));
            } else {
                others.add(item);
            }
        }
        List<Attempt> severe = failing.stream().filter(a -> "unreachable".equals(a.category()))
                .sorted(java.util.Comparator.comparing(Attempt::finishedAt)).toList();
        e.expectTrue(FAILING + ": opened only once its 3rd severe error was in (the refused operation before them did not count)",
                severe.size() >= 3 && !openFrom.isBefore(severe.get(2).finishedAt()) && failing.stream().anyMatch(
                        a -> "refused".equals(a.category()) && a.finishedAt().isBefore(severe.get(0).finishedAt())));
        e.expect(FAILING + ": attempts started while its breaker was open", 0L, failing.stream()
                .filter(a -> !a.startedAt().isBefore(openFrom) && a.startedAt().isBefore(openUntil)).count());
        // The trial: the first attempt after the open time; nothing else of that machine starts until it ends.
        Attempt trial = failing.stream().filter(a -> !a.startedAt().isBefore(openUntil))
                .min(java.util.Comparator.comparing(Attempt::startedAt)).orElse(null);
        e.expectTrue(FAILING + ": one trial went through, alone, and succeeded", trial != null
                && trial.outcome() == dev.bulwark.AttemptOutcome.SUCCEEDED && failing.stream().filter(a -> a != trial
                && !a.startedAt().isBefore(trial.startedAt()) && a.startedAt().isBefore(trial.finishedAt())).count() == 0);
        e.expectTrue(FAILING + ": repaired before its trial", repairedAt != null && trial != null
                && repairedAt.isBefore(trial.startedAt()));
        e.expect(FAILING + ": review queue", List.of(FAILING + ": apply-patch patch-2026-11b [refused]"),
                result.failures().map(i -> i.key() + " [" + i.category() + "]").toList());
        e.expect(FAILING + ": operations done in the end", (long) ACTIONS.size() - 1,
                result.items().filter(i -> i.scope().equals(FAILING) && i.status() == ItemStatus.SUCCEEDED).count());
        e.expect("other machines: operations succeeded, each with one attempt", (long) others.size(),
                others.stream().filter(i -> i.status() == ItemStatus.SUCCEEDED && i.attempts() == 1).count());
        e.expectTrue("other machines: all done before " + FAILING + "'s breaker closed",
                others.stream().allMatch(i -> i.finishedAt().isBefore(closed.since())));
        e.expect("status", "PARTIAL", result.status().name());
        return e.exitCode();
    }
}
