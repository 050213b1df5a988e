package dev.bulwark.examples.machines;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A remote machine that runs one operation per connection, on the loopback interface:
 * {@code RUN ACTION TARGET} → {@code OK ...} after a short working time, or
 * {@code ERR 404 ...} for targets it does not have (the machine is fine, the request is wrong).
 * It can fail: from its {@code failFrom}-th connection on it accepts connections and drops them
 * without a word (a machine whose agent crashed), until {@link #back()}. Each connection is served
 * on a virtual thread, so slow answers on one do not hold up the others. Thread-safe; stop it
 * with {@link #close()}.
 */
public final class SimulatedMachine implements AutoCloseable {
    private final String name;
    private final Duration work;
    private final Set<String> missingTargets;
    private final int failFrom;
    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Instant back;

    /**
     * @param name           the machine's name
     * @param work           how long an operation takes
     * @param missingTargets targets answered with {@code ERR 404}
     * @param failFrom       the first connection that is dropped (counted from 1), or 0 to never fail
     */
    public SimulatedMachine(String name, Duration work, Set<String> missingTargets, int failFrom) throws IOException {
        this.name = name;
        this.work = work;
        this.missingTargets = Set.copyOf(missingTargets);
        this.failFrom = failFrom;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("machine-" + name).start(this::accept);
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The machine is repaired: it answers every connection from now on. */
    public void back() {
        back = Instant.now();
    }

    /** The agent crashes again: from now on every connection is dropped, until {@link #back()}. */
    public void crash() {
        back = null;
    }

    /** How many connections the machine has accepted. */
    public int connections() {
        return connections.get();
    }

    /** When {@link #back()} was called, or null. */
    public Instant backAt() {
        return back;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                int number = connections.incrementAndGet();
                Thread.ofVirtual().name("machine-" + name + "-" + number).start(() -> serve(socket, number));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket, int number) {
        try (socket) {
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            var out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            String[] request = String.valueOf(in.readLine()).split(" ", 3);
            if (failFrom > 0 && number >= failFrom && back == null) {
                // the agent is gone: the request is read (so the close is orderly) and dropped without an answer
                return;
            }
            if (request.length != 3 || !request[0].equals("RUN")) {
                out.println("ERR 400 expected RUN ACTION TARGET");
            } else if (missingTargets.contains(request[2])) {
                out.println("ERR 404 " + name + " has no " + request[2]);
            } else {
                Thread.sleep(work);
                out.println("OK " + request[1] + " " + request[2] + " on " + name + " (connection " + number + ")");
            }
        } catch (IOException | InterruptedException e) {
            // one broken connection does not stop the machine
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
