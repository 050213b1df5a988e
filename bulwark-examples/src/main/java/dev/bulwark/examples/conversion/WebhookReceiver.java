package dev.bulwark.examples.conversion;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.bulwark.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The example's webhook receiver: a JDK HTTP server on loopback that takes Bulwark's job-end POSTs
 * at {@link #PATH}, checks {@code Bulwark-Signature} ({@code v1=} and the hex HMAC-SHA256 of
 * {@code TIMESTAMP.BODY} with the shared secret, compared in constant time) and refuses a
 * {@code Bulwark-Timestamp} more than {@link #TOLERANCE} away from its clock (a replay). Answers 204
 * to a valid delivery and 401 otherwise; keeps both, so the example can check what came.
 */
final class WebhookReceiver implements AutoCloseable {
    static final String PATH = "/hooks/bulwark";
    static final Duration TOLERANCE = Duration.ofMinutes(5);

    /** One POST received: the job summary when the signature held, else why it was refused. */
    record Delivery(String deliveryId, JsonNode summary, String refusal) {
        boolean valid() {
            return refusal == null;
        }
    }

    private final HttpServer server;
    private final byte[] secret;
    private final Clock clock;
    private final List<Delivery> deliveries = new ArrayList<>();

    private WebhookReceiver(HttpServer server, byte[] secret, Clock clock) {
        this.server = server;
        this.secret = secret;
        this.clock = clock;
    }

    /** Starts listening on 127.0.0.1:{@code port}. */
    static WebhookReceiver start(int port, String secret, Clock clock) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        WebhookReceiver receiver = new WebhookReceiver(server, secret.getBytes(StandardCharsets.UTF_8), clock);
        server.createContext(PATH, receiver::handle);
        server.start();
        return receiver;
    }

    /** The URL to give a submission as its {@code callback}. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            String refusal = !exchange.getRequestMethod().equals("POST") ? "method " + exchange.getRequestMethod()
                    : refusal(exchange.getRequestHeaders().getFirst("Bulwark-Timestamp"),
                            exchange.getRequestHeaders().getFirst("Bulwark-Signature"), body);
            JsonNode summary = refusal == null ? Json.MAPPER.readTree(body) : null;
            add(new Delivery(exchange.getRequestHeaders().getFirst("Bulwark-Delivery"), summary, refusal));
            exchange.sendResponseHeaders(refusal == null ? 204 : 401, -1);
        }
    }

    /** Null when the signature and timestamp hold, else why not. */
    String refusal(String timestamp, String signature, byte[] body) {
        if (timestamp == null || !timestamp.matches("[0-9]{1,12}")) {
            return "Bulwark-Timestamp is missing or not a number of seconds: " + timestamp;
        }
        long age = clock.instant().getEpochSecond() - Long.parseLong(timestamp);
        if (Math.abs(age) > TOLERANCE.toSeconds()) {
            return "Bulwark-Timestamp is " + age + " s away from now (more than " + TOLERANCE.toSeconds() + " s: a replay?)";
        }
        byte[] expected = signature(timestamp, body).getBytes(StandardCharsets.US_ASCII);
        if (signature == null || !MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
            return "Bulwark-Signature does not match the body: " + signature;
        }
        return null;
    }

    /** {@code v1=} and the hex HMAC-SHA256 of {@code TIMESTAMP.BODY}: what Bulwark sends as {@code Bulwark-Signature}. */
    String signature(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return "v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private synchronized void add(Delivery delivery) {
        deliveries.add(delivery);
        System.out.println("  [webhook] " + (delivery.valid()
                ? "signed job_finished for " + delivery.summary().path("name").asText() + ": " + delivery.summary().path("status").asText()
                : "REFUSED: " + delivery.refusal()));
        notifyAll();
    }

    /** Waits until {@code count} deliveries came (valid or not); returns them all. */
    synchronized List<Delivery> await(int count, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (deliveries.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("webhook: " + deliveries.size() + " of " + count + " deliveries within " + seconds + " s");
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return List.copyOf(deliveries);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
