package dev.bulwark.engine;

import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.MemoryLedger;

/** The engine contract in one process on the in-memory ledger. */
class MemoryEngineTest extends EngineContract {
    private final MemoryLedger ledger = new MemoryLedger();

    @Override
    protected Ledger ledger() {
        return ledger;
    }
}
