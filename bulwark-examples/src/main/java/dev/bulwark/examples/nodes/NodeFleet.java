package dev.bulwark.examples.nodes;

import dev.bulwark.Attempt;
import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.PermanentException;
import dev.bulwark.Retry;
import dev.bulwark.TransientException;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Example 1, part 2: the same tokens sent to three nodes, each node's commands strictly one after
 * another and the three nodes side by side ({@code .orderedBy(command -> node)}, the Java form of
 * {@code --ordered-by '{node}'}) with concurrency 3. Node AP02m drops one connection: its command
 * is retried, and the node's next command waits for that retry while the other nodes go on.
 *
 * <pre>
 * NodeFleet --tokens FILE --work DIR [--check yes]
 * </pre>
 */
public final class NodeFleet {
    private static final List<String> NODES = List.of("AP01m", "AP02m", "AP03m");
    /** The node whose third connection is dropped. */
    private static final String FLAKY = "AP02m";

    /** One command: a token for a node. */
    record Command(String node, String token) {
    }

    private NodeFleet() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, Set.of("tokens", "work", "check"));
        Path work = o.path("work", "target/node-fleet");
        Files.createDirectories(work);
        List<NodeToken> tokens = NodeToken.check(Files.readAllLines(o.path("tokens", "examples/node-commands/tokens.txt"))).accepted();
        Map<String, NodeSimulator> nodes = new LinkedHashMap<>();
        try (SqliteLedger ledger = SqliteLedger.open(work.resolve("ledger.db"))) {
            for (String node : NODES) {
                nodes.put(node, node.equals(FLAKY) ? new NodeSimulator(Set.of(), new int[] {3, 3}) : new NodeSimulator(Set.of()));
            }
            // Node by node, as a list of commands usually comes: without the order per node,
            // concurrency 3 would send a node three commands at once.
            List<Command> commands = new ArrayList<>();
            NODES.forEach(node -> tokens.forEach(t -> commands.add(new Command(node, t.id()))));
            System.out.println("node-fleet: " + commands.size() + " commands to " + NODES.size() + " nodes, each node's in order");
            // To show that the nodes are served side by side, each node's first command waits
            // (at most 10 s) until every node has a command in flight.
            CountDownLatch allNodesBusy = new CountDownLatch(NODES.size());

            BatchResult result = Bulwark.batch(commands)
                    .name("tokens on " + NODES.size() + " nodes")
                    .key(c -> c.node() + "/" + c.token())
                    .handler(c -> {
                        if (c.token().equals(tokens.get(0).id())) {
                            allNodesBusy.countDown();
                            allNodesBusy.await(10, TimeUnit.SECONDS);
                        }
                        send(c, nodes.get(c.node()).port());
                    })
                    .classify(ConnectException.class, ErrorClass.TRANSIENT, "connect")
                    .orderedBy(Command::node)
                    .concurrency(NODES.size())
                    .retry(Retry.exponential(2, Duration.ofMillis(50)))
                    .timeout(Duration.ofSeconds(15))
                    .ledger(ledger)
                    .run();
            Reports.summary("node-fleet", result);
            Map<String, List<Item>> byNode = new LinkedHashMap<>();
            result.items().forEach(i -> byNode.computeIfAbsent(i.key().substring(0, i.key().indexOf('/')), n -> new ArrayList<>()).add(i));
            byNode.forEach((node, items) -> System.out.println("  " + node + ": " + items.size() + " commands, "
                    + (inOrder(result, items) ? "strictly one after another" : "NOT in order")));

            if (o.get("check", null) != null) {
                System.exit(check(result, byNode, allNodesBusy, tokens.size()));
            }
        } finally {
            for (NodeSimulator node : nodes.values()) {
                node.close();
            }
        }
    }

    /** {@code PRINT TOKEN} to the node, one connection per command. */
    private static void send(Command c, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
            socket.setSoTimeout(2_000);
            var out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.println("PRINT " + c.token());
            String answer = in.readLine();
            if (answer == null) {
                throw new TransientException("node-down", "node " + c.node() + " closed the connection without answering");
            }
            if (!answer.startsWith("OK ")) {
                throw new PermanentException("nak", "node " + c.node() + " answered: " + answer);
            }
        }
    }

    /** The node's commands ran in sequence order, each attempt after the previous command's last one ended. */
    private static boolean inOrder(BatchResult result, List<Item> items) {
        Instant previousEnd = Instant.MIN;
        long previousSeq = 0;
        for (Item item : items) {
            List<Attempt> attempts = result.attempts(item.seq());
            if (item.seq() < previousSeq || attempts.isEmpty() || attempts.get(0).startedAt().isBefore(previousEnd)) {
                return false;
            }
            previousSeq = item.seq();
            previousEnd = attempts.get(attempts.size() - 1).finishedAt();
        }
        return true;
    }

    private static int check(BatchResult result, Map<String, List<Item>> byNode, CountDownLatch allNodesBusy, int tokens) {
        Expectations e = new Expectations("node-fleet");
        e.expect("status", "COMPLETED", result.status().name());
        e.expect("commands succeeded", (long) NODES.size() * tokens, result.succeeded());
        e.expect("nodes", NODES, List.copyOf(byNode.keySet()));
        byNode.forEach((node, items) -> e.expectTrue(node + ": its commands strictly one after another, in order", inOrder(result, items)));
        e.expectTrue("the three nodes were served side by side", allNodesBusy.getCount() == 0);
        List<Item> flaky = byNode.get(FLAKY);
        e.expect(FLAKY + ": its third command got through on its retry", 2, result.attempts(flaky.get(2).seq()).size());
        e.expect("retries", 1L, result.counts().retries());
        return e.exitCode();
    }
}
