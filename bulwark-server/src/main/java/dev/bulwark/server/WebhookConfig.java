package dev.bulwark.server;

import dev.bulwark.ValidationException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Callbacks at the end of a job ({@code server.webhooks}): which hosts a submission's
 * {@code callback} may name (nothing else is ever called), the secret that signs each delivery
 * (HMAC-SHA256 over the timestamp and the body), and how deliveries are retried.
 *
 * @param allowedHosts  {@code host} or {@code host:port}, lower case; a callback must name one of them
 * @param secret        the signing secret (at least 16 characters); never shown or logged
 * @param attempts      deliveries tried at most (1-100)
 * @param backoff       the delay before the first retry; it doubles up to 10 minutes
 * @param allowPrivate  whether callbacks may reach loopback, link-local (cloud metadata) and private addresses
 */
public record WebhookConfig(Set<String> allowedHosts, String secret, int attempts, Duration backoff, boolean allowPrivate) {
    public static final int DEFAULT_ATTEMPTS = 8;
    public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(5);
    public static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

    public WebhookConfig {
        ValidationException.require(allowedHosts != null && !allowedHosts.isEmpty(),
                "server.webhooks.allowed-hosts must list at least one host (callbacks go nowhere else)");
        allowedHosts = allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        for (String h : allowedHosts) {
            ValidationException.require(h.matches("[a-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9a-f:.]+\\](:[0-9]{1,5})?"),
                    "server.webhooks.allowed-hosts: '" + h + "' is not a host or host:port");
        }
        ValidationException.require(secret != null && secret.length() >= 16,
                "server.webhooks.secret (or secret-env) must be at least 16 characters long");
        ValidationException.require(attempts >= 1 && attempts <= 100, "server.webhooks.attempts must be between 1 and 100, but was "
                + attempts);
        ValidationException.require(backoff != null && !backoff.isNegative() && !backoff.isZero(),
                "server.webhooks.backoff must be positive, but was " + backoff);
    }

    @Override
    public String toString() {
        return "WebhookConfig[allowedHosts=" + allowedHosts + ", attempts=" + attempts + ", backoff=" + backoff + "]";
    }
}
