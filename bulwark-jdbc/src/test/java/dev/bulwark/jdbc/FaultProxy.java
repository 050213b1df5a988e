package dev.bulwark.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy for tests that injects network faults between a client and a server: it passes
 * bytes, holds them all (a black hole: connections stay open, nothing gets through either way,
 * new connections are accepted but get no answer), or passes every chunk only after a delay.
 * Bytes held in a black hole flow once it is healed, as TCP retransmits them after a partition.
 * Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String host;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private boolean blackHole; // guarded by lock
    private long delayNanos; // guarded by lock
    private volatile boolean closed;

    /** Listens on a free port of the loopback interface and forwards to {@code host:port}. */
    public FaultProxy(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("fault-proxy-accept").start(this::accept);
    }

    /** The port clients connect to. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Passes bytes at once (heals a black hole: what it held flows). */
    public void pass() {
        synchronized (lock) {
            blackHole = false;
            delayNanos = 0;
            lock.notifyAll();
        }
    }

    /** Holds every byte, either way, until healed. */
    public void blackHole() {
        synchronized (lock) {
            blackHole = true;
        }
    }

    /** Passes every chunk only {@code delay} after it arrived. */
    public void delay(Duration delay) {
        synchronized (lock) {
            blackHole = false;
            delayNanos = delay.toNanos();
            lock.notifyAll();
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                sockets.add(client);
                sockets.add(server);
                server.connect(new InetSocketAddress(host, port), 5_000);
                Thread.ofVirtual().start(() -> pump(client, server));
                Thread.ofVirtual().start(() -> pump(server, client));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("fault proxy: " + e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                long arrived = System.nanoTime();
                awaitPassage(arrived);
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side closed (or the proxy): close both
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Waits while the hole is black, and until the delay after {@code arrived} has passed. */
    private void awaitPassage(long arrived) throws InterruptedException {
        synchronized (lock) {
            while (true) {
                if (closed) {
                    throw new InterruptedException("closed");
                }
                if (blackHole) {
                    lock.wait(100);
                    continue;
                }
                long left = arrived + delayNanos - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        listener.close();
        sockets.forEach(FaultProxy::closeQuietly);
    }
}
