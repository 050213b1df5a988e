package dev.bulwark.internal;

import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.JobConfig;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.engine.Claim;

/** An item {@link JobRunner} claimed from the local ledger, with the breaker permit it runs under (null: no breaker). */
final class LocalClaim extends Claim {
    CircuitBreaker.Permit permit;

    LocalClaim(Item item, JobConfig config, ItemHandler handler) {
        super(item, config, handler);
    }
}
