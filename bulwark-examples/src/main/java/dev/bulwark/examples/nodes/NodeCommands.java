package dev.bulwark.examples.nodes;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.BatchBuilder;
import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.PermanentException;
import dev.bulwark.Retry;
import dev.bulwark.TransientException;
import dev.bulwark.breaker.BreakerConfig.OnOpen;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.examples.Expectations;
import dev.bulwark.examples.Options;
import dev.bulwark.examples.Reports;
import dev.bulwark.jdbc.SqliteLedger;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Example 1: sends a command for each token to a network node, strictly one after another.
 * Tokens are normalised and validated before anything is queued (rejected lines are reported
 * with their reason); each token gets its own log file; a batch log sums the run up. The node
 * (a simulator started here) does not know one token, goes down briefly (a retry gets through)
 * and then for longer: after 3 consecutive failed commands the node's circuit breaker opens and
 * halts the batch; the rest is skipped. Once the node is back, the breaker is reset and the batch
 * resumed, then its failed tokens are run again.
 *
 * <pre>
 * NodeCommands --tokens FILE --work DIR [--node NAME] [--check yes]
 * </pre>
 */
public final class NodeCommands {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONSECUTIVE_FAILURES = 3;

    private NodeCommands() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, Set.of("tokens", "work", "node", "check"));
        Path work = o.path("work", "target/node-commands");
        String node = o.get("node", "AP01m");
        Files.createDirectories(work);
        NodeToken.Checked tokens = NodeToken.check(Files.readAllLines(o.path("tokens", "examples/node-commands/tokens.txt")));
        System.out.println("node-commands: " + tokens.accepted().size() + " token(s) queued, " + tokens.rejected().size() + " rejected");
        tokens.rejected().forEach(r -> System.out.println("  rejected line " + r.line() + " '" + r.text() + "': " + r.reason()));

        // Connection 4 finds the node down (a blip); from connection 9 it is down until back().
        // It does not know token 166.
        try (NodeSimulator simulator = new NodeSimulator(Set.of("166"), new int[] {4, 4}, new int[] {9, Integer.MAX_VALUE});
             SqliteLedger ledger = SqliteLedger.open(work.resolve("ledger.db"))) {
            BatchLog log = new BatchLog(work, node, tokens);
            List<BreakerStatus> transitions = new CopyOnWriteArrayList<>();

            BatchResult first = batch(Bulwark.batch(tokens.accepted()), node, simulator.port(), work, ledger)
                    .onBreaker(b -> {
                        transitions.add(b);
                        System.out.println("  breaker of node " + b.scope() + ": " + b.state()
                                + (b.openUntil() == null ? "" : " until " + b.openUntil()) + " (" + b.reason() + ")");
                    })
                    .run();
            // The result reads the ledger as it is when asked: take the first run's facts now.
            FirstRun facts = new FirstRun(first.failures().map(i -> i.key() + ":" + i.category()).toList(),
                    sequential(first), first.attempts(4).size(), first.breakers().stream().map(BreakerStatus::scope).toList(),
                    simulator.connections());
            log.section("run", first);
            Reports.summary("node-commands", first);

            System.out.println("\n--- the node is back: reset its breaker, resume the batch (its skipped tokens)");
            simulator.back();
            BatchBuilder<NodeToken> again = batch(Bulwark.batch(List.<NodeToken>of()), node, simulator.port(), work, ledger);
            boolean reset = again.resetBreaker(first.jobId(), node);
            System.out.println("  breaker of node " + node + (reset ? " reset by hand" : " was not open"));
            BatchResult resumed = again.resume(first.jobId());
            log.section("resume", resumed);
            Reports.summary("node-commands", resumed);

            System.out.println("\n--- run the failed tokens again");
            BatchResult retried = again.retryFailed(first.jobId());
            log.section("retry-failed", retried);
            Reports.summary("node-commands", retried);
            System.out.println("  batch log: " + log.file());
            System.out.println("  token logs: " + work.resolve("logs").resolve(first.jobId().toString()));

            if (o.get("check", null) != null) {
                System.exit(check(tokens, first, facts, transitions, reset, resumed, retried, work));
            }
        }
    }

    /**
     * The batch every run of this example uses: ordered, retried, a log file per token, and a
     * breaker on the node that halts the batch after 3 consecutive failed commands (counting only
     * transient failures: a node that refuses a token it does not know is not down) and stays open
     * until it is reset by hand (no trial command is ever sent by itself).
     */
    private static BatchBuilder<NodeToken> batch(BatchBuilder<NodeToken> b, String node, int port, Path work, SqliteLedger ledger) {
        return b.name("print tokens on " + node)
                .key(NodeToken::id)
                .scope(t -> node)
                .payload(t -> t)
                .restore(item -> readToken(item.payload()))
                .handlerWithContext((token, ctx) -> send(node, port, token, ctx))
                .classify(ConnectException.class, ErrorClass.TRANSIENT, "connect")
                .classify(SocketTimeoutException.class, ErrorClass.TRANSIENT, "timeout")
                .ordered()
                .retry(Retry.exponential(2, Duration.ofMillis(50)))
                .timeout(Duration.ofSeconds(5))
                // seed 000: stop after 3 consecutive failures, and wait for a person to reset the breaker
                .breaker(BreakerPolicy.consecutive(CONSECUTIVE_FAILURES).withCounted(Set.of(ErrorClass.TRANSIENT)).manualReset())
                .onOpen(OnOpen.HALT)
                .describe("node", node)
                .logDirectory(work.resolve("logs"))
                .ledger(ledger);
    }

    private static NodeToken readToken(String json) {
        try {
            return JSON.readValue(json, NodeToken.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One command: connect, {@code PRINT TOKEN}, read the one-line answer. */
    private static void send(String node, int port, NodeToken token, dev.bulwark.ItemContext ctx) throws IOException {
        ctx.log("node=" + node + " protocol=" + token.protocol() + " list-line=" + token.line());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
            socket.setSoTimeout(2_000);
            var out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            ctx.log("> PRINT " + token.id());
            out.println("PRINT " + token.id());
            String answer = in.readLine();
            ctx.log("< " + (answer == null ? "(connection closed, no answer)" : answer));
            if (answer == null) {
                throw new TransientException("node-down", "node " + node + " closed the connection without answering");
            }
            if (answer.startsWith("ERR 40")) {
                throw new PermanentException("nak", "node " + node + " answered: " + answer);
            }
            if (!answer.startsWith("OK ")) {
                throw new TransientException("node-error", "node " + node + " answered: " + answer);
            }
        }
    }

    /** What the first run left in the ledger, before the resume and the retry changed it. */
    private record FirstRun(List<String> failures, boolean sequential, int attemptsOfFourthToken, List<String> openBreakers,
                            int connections) {
    }

    private static int check(NodeToken.Checked tokens, BatchResult first, FirstRun facts, List<BreakerStatus> transitions,
                             boolean reset, BatchResult resumed, BatchResult retried, Path work) {
        Expectations e = new Expectations("node-commands");
        e.expect("tokens queued", 14, tokens.accepted().size());
        e.expect("lines rejected", List.of(6, 9, 13), tokens.rejected().stream().map(NodeToken.Rejected::line).toList());
        e.expect("first run: status", "FAILED", first.status().name());
        String node = first.job().config().input().get("node");
        e.expectTrue("first run: halted by the node's breaker after 3 consecutive failures", first.reason() != null
                && first.reason().startsWith("breaker-open: the breaker of scope " + node + " opened (3 consecutive failures"));
        e.expect("first run: succeeded / failed / skipped", List.of(6L, 2L, 6L), List.of(first.succeeded(), first.failed(), first.skipped()));
        e.expect("commands sent in the first run (no more after the breaker opened)", 11, facts.connections());
        e.expect("token 165 got through on its second attempt", 2, facts.attemptsOfFourthToken());
        e.expect("failed in the first run", List.of("166:nak", "169:node-down"), facts.failures());
        e.expect("open breakers after the first run", List.of(node), facts.openBreakers());
        e.expectTrue("the open breaker waits for a manual reset (no trial by itself)", first.breakers().stream()
                .allMatch(b -> dev.bulwark.breaker.BreakerState.untilReset(b.openUntil())));
        e.expect("breaker transitions heard", List.of("OPEN"), transitions.stream().map(b -> b.state().name()).toList());
        e.expectTrue("breaker reset by hand before resuming", reset);
        e.expectTrue("strictly one after another", facts.sequential());
        e.expect("after resume: status, succeeded", List.of("PARTIAL", 12L), List.of(resumed.status().name(), resumed.succeeded()));
        e.expect("after resume: open breakers", List.of(), resumed.breakers());
        e.expect("after retry-failed: succeeded, review queue", List.of(13L, List.of("166")),
                List.of(retried.succeeded(), retried.failures().map(Item::key).toList()));
        e.expectTrue("a log file per token", tokens.accepted().stream().allMatch(
                t -> Files.exists(work.resolve("logs").resolve(first.jobId().toString()).resolve(seqOf(first, t) + ".log"))));
        return e.exitCode();
    }

    private static long seqOf(BatchResult result, NodeToken token) {
        return result.items().filter(i -> i.key().equals(token.id())).findFirst().orElseThrow().seq();
    }

    /** Every attempt of item n+1 started after the last attempt of item n had finished. */
    private static boolean sequential(BatchResult result) {
        java.time.Instant previousEnd = java.time.Instant.MIN;
        for (Item item : result.items().toList()) {
            var attempts = result.attempts(item.seq());
            if (attempts.isEmpty()) {
                continue;
            }
            if (attempts.get(0).startedAt().isBefore(previousEnd)) {
                return false;
            }
            previousEnd = attempts.get(attempts.size() - 1).finishedAt();
        }
        return true;
    }
}
