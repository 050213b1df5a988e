package dev.bulwark.ledger;

import dev.bulwark.Item;
import java.util.Objects;
import java.util.Set;

/**
 * Which breaker scopes a claim may take items from: every scope but those in {@code skip}, or,
 * with {@code only}, that single scope. An item without a scope belongs to {@link Item#JOB_SCOPE}.
 * The engine leaves out the scopes whose circuit breaker is open, and claims the trial call of a
 * half-open breaker with {@code only}.
 *
 * @param skip scopes left out
 * @param only the one scope taken, or null for all but {@code skip}
 */
public record ScopeFilter(Set<String> skip, String only) {
    /** Every scope. */
    public static final ScopeFilter ALL = new ScopeFilter(Set.of(), null);

    public ScopeFilter {
        skip = Set.copyOf(Objects.requireNonNull(skip, "skip"));
    }

    public static ScopeFilter skipping(Set<String> scopes) {
        return scopes.isEmpty() ? ALL : new ScopeFilter(scopes, null);
    }

    public static ScopeFilter only(String scope) {
        return new ScopeFilter(Set.of(), Objects.requireNonNull(scope, "scope"));
    }

    /** True when every item passes. */
    public boolean isAll() {
        return only == null && skip.isEmpty();
    }

    /** Whether an item with this scope (null for none) may be claimed. */
    public boolean admits(String itemScope) {
        String s = Item.scopeOf(itemScope);
        return only != null ? only.equals(s) : !skip.contains(s);
    }
}
