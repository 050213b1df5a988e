package dev.bulwark.server;

import dev.bulwark.ValidationException;
import java.util.Set;

/**
 * A bearer token and who it speaks for. The secret itself is never logged or shown.
 *
 * @param token  the secret (taken from the configuration file or from the environment variable it names)
 * @param tenant the tenant whose jobs the token sees and touches
 * @param tier   the tenant's tier (priority and limits)
 * @param roles  what the token may do
 */
public record TokenConfig(String token, String tenant, String tier, Set<Role> roles) {

    /** Tokens shorter than this are refused: they could be guessed. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public TokenConfig {
        ValidationException.require(token != null && token.length() >= MIN_TOKEN_LENGTH,
                "tokens of tenant '" + tenant + "': a token must be at least " + MIN_TOKEN_LENGTH
                        + " characters long, but was " + (token == null ? "missing" : token.length() + " characters"));
        ValidationException.require(tenant != null && tenant.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"),
                "tokens: tenant must be 1 to 64 letters, digits, '.', '_' or '-', but was '" + tenant + "'");
        ValidationException.require(roles != null && !roles.isEmpty(),
                "tokens of tenant '" + tenant + "': roles must list at least one of read, submit, admin");
        roles = Set.copyOf(roles);
    }

    @Override
    public String toString() {
        return "TokenConfig[tenant=" + tenant + ", tier=" + tier + ", roles=" + roles + "]";
    }
}
