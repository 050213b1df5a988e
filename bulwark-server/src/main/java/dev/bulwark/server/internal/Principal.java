package dev.bulwark.server.internal;

import dev.bulwark.server.Role;
import dev.bulwark.server.TierConfig;
import java.util.Set;

/** Who a request speaks for: a tenant, its tier and the token's roles. */
public record Principal(String tenant, TierConfig tier, Set<Role> roles) {

    /** Throws 403 unless the token has {@code role}. */
    public void require(Role role) {
        if (!roles.contains(role)) {
            throw new Problem(403, "Forbidden", "this token lacks the '" + role.label() + "' role that this route needs", null);
        }
    }
}
