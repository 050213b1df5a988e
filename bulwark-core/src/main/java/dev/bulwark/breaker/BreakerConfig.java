package dev.bulwark.breaker;

import java.util.Objects;

/**
 * A job's circuit breakers: one per scope, all with the same policy.
 *
 * @param policy when a breaker opens and how it recovers
 * @param onOpen what happens to the items of a scope whose breaker is open
 * @param scope  how the scope of an item was derived ({@code {//}}, {@code {host}}), for the
 *               record; null when the whole job is one scope
 * @param shared the scopes' breakers are the ledger's named, shared breakers ({@code --breaker-shared}):
 *               the breaker of scope {@code m1} is the ledger's breaker {@code m1}, shared by every job,
 *               direct call ({@link NamedBreaker}) and process on that ledger; its policy is the one
 *               the ledger keeps for that name (see {@link BreakerStore})
 */
public record BreakerConfig(BreakerPolicy policy, OnOpen onOpen, String scope, boolean shared) {

    /** What happens to the items of a scope whose breaker is open. */
    public enum OnOpen {
        /** They wait, using no attempts, until a trial call succeeds; other scopes go on. */
        PAUSE,
        /** The job stops: remaining items are SKIPPED and the job is FAILED. */
        HALT,
        /** They fail at once with category {@code breaker-open}, using no attempt. */
        FAIL
    }

    /** Breakers of the job's own (not shared). */
    public BreakerConfig(BreakerPolicy policy, OnOpen onOpen, String scope) {
        this(policy, onOpen, scope, false);
    }

    public BreakerConfig {
        Objects.requireNonNull(policy, "policy");
        onOpen = onOpen == null ? OnOpen.PAUSE : onOpen;
        scope = scope == null || scope.isEmpty() ? null : scope;
    }

    /** A breaker per scope with {@code policy}, pausing the scopes that are open. */
    public static BreakerConfig of(BreakerPolicy policy) {
        return new BreakerConfig(policy, OnOpen.PAUSE, null);
    }

    public BreakerConfig onOpen(OnOpen value) {
        return new BreakerConfig(policy, value, scope, shared);
    }

    public BreakerConfig scope(String value) {
        return new BreakerConfig(policy, onOpen, value, shared);
    }

    /** These breakers as the ledger's shared ones ({@code true}) or the job's own. */
    public BreakerConfig shared(boolean value) {
        return new BreakerConfig(policy, onOpen, scope, value);
    }
}
