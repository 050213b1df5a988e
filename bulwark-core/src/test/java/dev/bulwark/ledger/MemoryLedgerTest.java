package dev.bulwark.ledger;

class MemoryLedgerTest extends LedgerContract {

    @Override
    protected Ledger newLedger() {
        return new MemoryLedger();
    }
}
