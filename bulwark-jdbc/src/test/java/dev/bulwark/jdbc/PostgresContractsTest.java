package dev.bulwark.jdbc;

import dev.bulwark.breaker.NamedBreakerContract;
import dev.bulwark.engine.EngineContract;
import dev.bulwark.ledger.Ledger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine and named-breaker contracts on a PostgreSQL ledger: a fresh schema for each test. */
class PostgresContractsTest {
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("contracts");

    /** The engine contract in one process ({@code run --store}). */
    @Nested
    class Engine extends EngineContract {
        @Override
        protected Ledger ledger() {
            return PG.ledger();
        }
    }

    /** Named and shared breakers in the ledger's {@code named_breakers} table. */
    @Nested
    class NamedBreakers extends NamedBreakerContract {
        @Override
        protected Ledger ledger() {
            return PG.ledger();
        }
    }
}
