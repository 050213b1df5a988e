package dev.bulwark.jdbc;

import dev.bulwark.breaker.NamedBreakerContract;
import dev.bulwark.ledger.Ledger;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Named and shared breakers in a SQLite ledger's {@code named_breakers} table. */
class SqliteNamedBreakerTest extends NamedBreakerContract {
    @TempDir
    Path dir;
    private SqliteLedger ledger;

    @BeforeEach
    void open() {
        ledger = SqliteLedger.open(dir.resolve("ledger.db"));
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    @Override
    protected Ledger ledger() {
        return ledger;
    }
}
