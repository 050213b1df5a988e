package dev.bulwark.server.internal;

import dev.bulwark.server.Role;
import dev.bulwark.server.ServerConfig;
import dev.bulwark.server.TierConfig;
import dev.bulwark.server.TokenConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumSet;

/**
 * Finds the principal of a request from its {@code Authorization: Bearer} header. Tokens are
 * compared in constant time. Without any configured token every request is anonymous (the
 * server then listens on loopback only).
 */
public final class Authenticator {
    private static final String BEARER = "Bearer ";
    private final ServerConfig config;

    public Authenticator(ServerConfig config) {
        this.config = config;
    }

    /** The principal for an {@code Authorization} header value (may be null); 401 when it is missing or wrong. */
    public Principal authenticate(String authorization) {
        if (config.tokens().isEmpty()) {
            return new Principal(TierConfig.ANONYMOUS, config.tier(TierConfig.ANONYMOUS), EnumSet.allOf(Role.class));
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw unauthorized("a bearer token is required: send 'Authorization: Bearer TOKEN'");
        }
        byte[] given = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        TokenConfig match = null;
        for (TokenConfig t : config.tokens()) { // no early exit: the time taken does not tell which token is close
            if (MessageDigest.isEqual(given, t.token().getBytes(StandardCharsets.UTF_8))) {
                match = t;
            }
        }
        if (match == null) {
            throw unauthorized("the bearer token is not valid");
        }
        return new Principal(match.tenant(), config.tier(match.tier()), match.roles());
    }

    private static Problem unauthorized(String detail) {
        return new Problem(401, "Unauthorized", detail, "Authorization");
    }
}
