package dev.bulwark.jdbc;

import dev.bulwark.breaker.NamedBreakerContract;
import dev.bulwark.engine.EngineContract;
import dev.bulwark.ledger.Ledger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine and named-breaker contracts on a SQLite ledger: a fresh file for each test. */
class SqliteContractsTest {
    @RegisterExtension
    final SqliteLedgerExtension store = new SqliteLedgerExtension();

    /** The engine contract in one process, with full durability: every commit synced. */
    @Nested
    class Engine extends EngineContract {
        @Override
        protected Ledger ledger() {
            return store.ledger(Durability.FULL);
        }
    }

    /** Named and shared breakers in the ledger's {@code named_breakers} table. */
    @Nested
    class NamedBreakers extends NamedBreakerContract {
        @Override
        protected Ledger ledger() {
            return store.ledger(Durability.NORMAL);
        }
    }
}
