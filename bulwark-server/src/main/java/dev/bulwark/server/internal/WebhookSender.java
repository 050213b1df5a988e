package dev.bulwark.server.internal;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.ErrorClass;
import dev.bulwark.ItemHandler;
import dev.bulwark.server.WebhookConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Sends one delivery: {@code POST} of the job's summary (JSON) with the headers
 * {@code Bulwark-Timestamp} (Unix seconds), {@code Bulwark-Signature: v1=HEX} where HEX is
 * HMAC-SHA256 with the configured secret over {@code TIMESTAMP + "." + BODY}, and
 * {@code Bulwark-Delivery} (the delivery's id). Redirects are not followed. 2xx is delivered;
 * 408, 429, 5xx and network errors are retried; any other answer, or an address on a private
 * network, fails the delivery for good.
 */
record WebhookSender(URI uri, WebhookConfig config, BulwarkClock clock, UUID deliveryId) implements ItemHandler {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    public AttemptResult handle(AttemptContext ctx) throws Exception {
        try {
            Callbacks.checkResolved(uri, config);
        } catch (IllegalStateException e) {
            return AttemptResult.failure(ErrorClass.PERMANENT, "address", e.getMessage());
        } catch (java.net.UnknownHostException e) {
            return AttemptResult.failure(ErrorClass.TRANSIENT, "dns", "cannot resolve " + uri.getHost());
        }
        String body = ctx.item().payload();
        String timestamp = Long.toString(clock.now().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "bulwark-webhook")
                .header("Bulwark-Timestamp", timestamp)
                .header("Bulwark-Signature", "v1=" + sign(config.secret(), timestamp, body))
                .header("Bulwark-Delivery", deliveryId + "/" + ctx.attempt())
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<Void> response;
        try {
            response = HTTP.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            return AttemptResult.failure(ErrorClass.TRANSIENT, "connect", "cannot reach " + uri.getHost() + ": " + e.getMessage());
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return AttemptResult.success(status);
        }
        boolean retry = status == 408 || status == 429 || status >= 500;
        return AttemptResult.failure(retry ? ErrorClass.TRANSIENT : ErrorClass.PERMANENT, "http:" + status,
                "the callback answered " + status, status);
    }

    /** HMAC-SHA256 of {@code timestamp + "." + body}, in lower-case hex. */
    static String sign(String secret, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
