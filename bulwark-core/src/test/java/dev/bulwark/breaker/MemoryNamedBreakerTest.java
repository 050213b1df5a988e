package dev.bulwark.breaker;

import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.MemoryLedger;

/** Named and shared breakers on the memory ledger's in-process store. */
class MemoryNamedBreakerTest extends NamedBreakerContract {
    private final MemoryLedger ledger = new MemoryLedger();

    @Override
    protected Ledger ledger() {
        return ledger;
    }
}
