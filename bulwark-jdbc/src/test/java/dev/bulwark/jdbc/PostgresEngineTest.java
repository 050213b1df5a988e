package dev.bulwark.jdbc;

import dev.bulwark.engine.EngineContract;
import dev.bulwark.ledger.Ledger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine contract in one process ({@code run --store}) on a PostgreSQL ledger. */
class PostgresEngineTest extends EngineContract {
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("engine");
    private PostgresLedger ledger;

    @BeforeEach
    void open() {
        ledger = PG.closeAfter(PostgresLedger.open(PG.url(null), null, null));
    }

    @Override
    protected Ledger ledger() {
        return ledger;
    }
}
