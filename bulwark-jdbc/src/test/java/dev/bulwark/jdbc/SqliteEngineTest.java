package dev.bulwark.jdbc;

import dev.bulwark.engine.EngineContract;
import dev.bulwark.ledger.Ledger;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The engine contract in one process on a SQLite ledger (full durability: every commit synced). */
class SqliteEngineTest extends EngineContract {
    @TempDir
    Path dir;
    private SqliteLedger ledger;

    @BeforeEach
    void open() {
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), Durability.FULL);
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
