package dev.bulwark.examples.nodes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network node that answers one command per connection on the loopback interface:
 * {@code PRINT TOKEN} → {@code OK TOKEN ...}, or {@code ERR 40 unknown token TOKEN} for the tokens
 * it does not know. It is "down" for given ranges of connections (counted from 1): it accepts and
 * closes them without a word, as a node that is restarting does; a range that ends at
 * {@link Integer#MAX_VALUE} is an outage that lasts until {@link #back()}. Counting connections,
 * not time, makes every run the same. Thread-safe; stop it with {@link #close()}.
 */
public final class NodeSimulator implements AutoCloseable {
    private final ServerSocket server;
    private final Set<String> unknownTokens;
    private final int[][] downConnections;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean back;
    private final Thread acceptor;

    /**
     * @param unknownTokens   tokens answered with {@code ERR 40}
     * @param downConnections inclusive ranges {@code {from, to}} of connection numbers closed unanswered
     */
    public NodeSimulator(Set<String> unknownTokens, int[]... downConnections) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.unknownTokens = Set.copyOf(unknownTokens);
        this.downConnections = downConnections.clone();
        this.acceptor = Thread.ofPlatform().daemon().name("node-simulator").start(this::serve);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Ends every outage: from now on the node answers every connection. */
    public void back() {
        back = true;
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                answer(socket, connections.incrementAndGet());
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                // one bad connection does not stop the node
            }
        }
    }

    private void answer(Socket socket, int number) throws IOException {
        var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        var out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
        String line = in.readLine();
        for (int[] range : downConnections) {
            if (!back && number >= range[0] && number <= range[1]) {
                return; // down: the command is read (so the close is orderly, not a reset) and left unanswered
            }
        }
        if (line == null || !line.startsWith("PRINT ")) {
            out.println("ERR 41 unknown command");
            return;
        }
        String token = line.substring("PRINT ".length()).strip();
        if (unknownTokens.contains(token)) {
            out.println("ERR 40 unknown token " + token);
        } else {
            out.println("OK " + token + " printed " + token.length() + " field(s) at connection " + number);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
