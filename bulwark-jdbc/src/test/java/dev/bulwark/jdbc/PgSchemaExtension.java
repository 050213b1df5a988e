package dev.bulwark.jdbc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link PgTestDatabase} for a test class and a fresh schema for each test, as a JUnit extension:
 * {@code @RegisterExtension static final PgSchemaExtension PG = new PgSchemaExtension("purpose");}.
 * What a test hands to {@link #closeAfter} is closed after it, in reverse order; so is each ledger
 * {@link #openLedger} opens, and the test's own {@link #ledger}.
 */
public final class PgSchemaExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final String purpose;
    private final List<AutoCloseable> open = Collections.synchronizedList(new ArrayList<>());
    private PgTestDatabase db;
    private String schema;
    private PostgresLedger ledger;

    public PgSchemaExtension(String purpose) {
        this.purpose = purpose;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        db = PgTestDatabase.create(purpose);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        schema = db.newSchema();
        ledger = null;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<AutoCloseable> toClose;
        synchronized (open) {
            toClose = new ArrayList<>(open);
            open.clear();
        }
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (db != null) {
            db.close();
        }
    }

    /** The class's database. */
    public PgTestDatabase db() {
        return db;
    }

    /** The current test's schema. */
    public String schema() {
        return schema;
    }

    /** The JDBC URL of the current test's schema, with extra parameters ({@code name=value&…}) or null. */
    public String url(String extra) {
        return db.url(schema, extra);
    }

    /** The number in the first column of the first row of {@code sql}, run on the current test's schema. */
    public long queryLong(String sql) {
        try (java.sql.Connection c = db.connect(schema); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new AssertionError("cannot run " + sql, e);
        }
    }

    /** A new ledger (a connection pool of its own) on the current test's schema, closed after the test. */
    public PostgresLedger openLedger() {
        return closeAfter(PostgresLedger.open(url(null), null, null));
    }

    /** The workers' queue on a new ledger ({@link #openLedger}). */
    public WorkQueue openQueue() {
        return new WorkQueue(openLedger());
    }

    /** The current test's ledger: the same one for the whole test, opened on first use, closed after it. */
    public synchronized PostgresLedger ledger() {
        if (ledger == null) {
            ledger = openLedger();
        }
        return ledger;
    }

    /** Closes {@code resource} after the current test; returns it. */
    public <T extends AutoCloseable> T closeAfter(T resource) {
        open.add(resource);
        return resource;
    }
}
