package dev.bulwark.jdbc;

import dev.bulwark.breaker.NamedBreakerContract;
import dev.bulwark.ledger.Ledger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Named and shared breakers in a PostgreSQL ledger's {@code named_breakers} table. */
class PostgresNamedBreakerTest extends NamedBreakerContract {
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("named_breakers");
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
