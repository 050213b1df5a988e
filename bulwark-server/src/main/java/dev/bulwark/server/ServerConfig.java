package dev.bulwark.server;

import dev.bulwark.ValidationException;
import dev.bulwark.server.internal.ConfigLoader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The service's configuration, usually read from {@code bulwark.yaml} with {@link #load(Path)}.
 * Immutable; validated when built, with messages that name the bad setting.
 *
 * @param bind          the address to listen on; anything but loopback needs tokens
 * @param port          the TCP port (0 picks a free one)
 * @param workers       jobs running at once in this process
 * @param shutdownGrace how long running attempts may go on after SIGTERM before the rest is paused
 * @param ageing        a waiting job gains one priority level for each such period it waits, so no tier starves
 * @param tiers         tiers by name
 * @param tokens        bearer tokens; empty means no authentication (loopback only, every request anonymous)
 * @param templates     job templates by name
 * @param retention     how long finished jobs are kept ({@code server.retention})
 * @param webhooks      callbacks at the end of jobs ({@code server.webhooks}), or null: submissions may name none
 */
public record ServerConfig(String bind, int port, int workers, Duration shutdownGrace, Duration ageing,
                           Map<String, TierConfig> tiers, List<TokenConfig> tokens, Map<String, TemplateConfig> templates,
                           RetentionConfig retention, WebhookConfig webhooks) {

    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_WORKERS = 2;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_AGEING = Duration.ofMinutes(1);

    /** A configuration that keeps every job. */
    public ServerConfig(String bind, int port, int workers, Duration shutdownGrace, Duration ageing,
                        Map<String, TierConfig> tiers, List<TokenConfig> tokens, Map<String, TemplateConfig> templates) {
        this(bind, port, workers, shutdownGrace, ageing, tiers, tokens, templates, RetentionConfig.KEEP_ALL, null);
    }

    public ServerConfig {
        retention = retention == null ? RetentionConfig.KEEP_ALL : retention;
        ValidationException.require(port >= 0 && port <= 65_535, "server.port must be between 0 and 65535, but was " + port);
        ValidationException.require(workers >= 1 && workers <= 1000, "server.workers must be between 1 and 1000, but was " + workers);
        ValidationException.require(!shutdownGrace.isNegative(), "server.shutdown-grace must not be negative, but was " + shutdownGrace);
        ValidationException.require(!ageing.isNegative() && !ageing.isZero(), "server.ageing must be positive, but was " + ageing);
        tiers = Map.copyOf(tiers);
        tokens = List.copyOf(tokens);
        templates = Map.copyOf(templates);
        ValidationException.require(!templates.isEmpty(), "templates: at least one template is required (the API runs nothing else)");
        for (TokenConfig t : tokens) {
            ValidationException.require(tiers.containsKey(t.tier()), "tokens of tenant '" + t.tenant() + "': tier '" + t.tier()
                    + "' is not defined; defined tiers: " + tiers.keySet());
        }
        ValidationException.require(tokens.stream().map(TokenConfig::token).distinct().count() == tokens.size(),
                "tokens: the same token is configured twice");
        ValidationException.require(!tokens.isEmpty() || isLoopback(bind), "server.bind is " + bind
                + ", which is not a loopback address: configure tokens before serving beyond this machine "
                + "(or bind to 127.0.0.1)");
    }

    /** Reads and validates a YAML configuration file; relative roots are relative to the file's folder. */
    public static ServerConfig load(Path file) {
        return ConfigLoader.load(file, System.getenv());
    }

    /** The tier of a token, or the anonymous tier. */
    public TierConfig tier(String name) {
        return Optional.ofNullable(tiers.get(name)).orElseGet(TierConfig::anonymous);
    }

    /** The same configuration listening on another address and port (command-line overrides). */
    public ServerConfig withListen(String newBind, int newPort) {
        return new ServerConfig(newBind == null ? bind : newBind, newPort, workers, shutdownGrace, ageing, tiers, tokens, templates,
                retention, webhooks);
    }

    /** Whether {@code host} is a loopback address (127.0.0.0/8, ::1, localhost). */
    public static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new ValidationException("server.bind: unknown host '" + host + "'");
        }
    }

    /** The largest file any tier may upload. */
    public long maxUploadBytes() {
        return Math.max(TierConfig.anonymous().maxUploadBytes(), tiers.values().stream().mapToLong(TierConfig::maxUploadBytes).max().orElse(0));
    }

    /** The largest multipart upload any tier may send (its files, and room for the part headers). */
    public long maxUploadRequestBytes() {
        return java.util.stream.Stream.concat(tiers.values().stream(), java.util.stream.Stream.of(TierConfig.anonymous()))
                .mapToLong(t -> Math.min(t.maxUploadTotal(), (long) t.maxUploadFiles() * t.maxUploadBytes())).max().orElse(0) + 64 * 1024;
    }

    /** The largest request body any tier accepts. */
    public int maxRequestBytes() {
        return Math.max(TierConfig.anonymous().maxRequestBytes(),
                tiers.values().stream().mapToInt(TierConfig::maxRequestBytes).max().orElse(0));
    }
}
