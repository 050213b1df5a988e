package dev.bulwark.jdbc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh SQLite ledger file for each test, as a JUnit extension:
 * {@code @RegisterExtension final SqliteLedgerExtension store = new SqliteLedgerExtension();}.
 * The ledger is opened on first use and closed after the test; its folder is deleted then.
 */
public final class SqliteLedgerExtension implements BeforeEachCallback, AfterEachCallback {
    private Path dir;
    private SqliteLedger ledger;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("bulwark-sqlite-");
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        if (ledger != null) {
            ledger.close();
            ledger = null;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The current test's ledger: the same one for the whole test, opened on first use with {@code durability}. */
    public synchronized SqliteLedger ledger(Durability durability) {
        if (ledger == null) {
            ledger = SqliteLedger.open(dir.resolve("ledger.db"), durability);
        }
        return ledger;
    }
}
