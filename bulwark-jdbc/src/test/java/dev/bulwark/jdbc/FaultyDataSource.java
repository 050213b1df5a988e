package dev.bulwark.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Connections to a test database that lose their link around a commit, as a dropped network link
 * would: while {@link #cutCommits} is set, a commit (of the threads {@link #cutWhen} picks) closes
 * the connection <em>before</em> it is sent (the server rolls the transaction back); {@link #dropAfterCommit} makes the next commits
 * that match it go through and <em>then</em> lose the connection, so the committer never hears that
 * the commit succeeded. Both fail like a lost connection (SQLState 08006).
 */
final class FaultyDataSource implements DataSource {
    final AtomicBoolean cutCommits = new AtomicBoolean();
    /** Which commits {@link #cutCommits} applies to (default: all). */
    volatile BooleanSupplier cutWhen = () -> true;
    /** Commits still to drop after they went through. */
    final AtomicInteger dropAfterCommit = new AtomicInteger();
    /** Which commits {@link #dropAfterCommit} applies to (default: all). */
    volatile BooleanSupplier dropWhen = () -> true;
    /**
     * Which transactions both faults apply to, by the SQL they prepared (the statements joined by
     * line breaks; default: all): one step of the ledger's work, such as a claim or a completion.
     */
    volatile Predicate<String> sqlWhen = sql -> true;
    private final PGSimpleDataSource target = new PGSimpleDataSource();

    FaultyDataSource(String url) {
        target.setURL(url);
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection real = target.getConnection();
        StringBuilder prepared = new StringBuilder(); // the statements of the transaction under way
        InvocationHandler handler = (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("prepareStatement")) {
                prepared.append(args[0]).append('\n');
            }
            boolean commit = name.equals("commit");
            if (commit && cutCommits.get() && sqlWhen.test(prepared.toString()) && cutWhen.getAsBoolean()) {
                real.close();
                throw lost();
            }
            boolean drop = commit && dropAfterCommit.get() > 0 && sqlWhen.test(prepared.toString()) && dropWhen.getAsBoolean()
                    && dropAfterCommit.getAndDecrement() > 0;
            if (commit || name.equals("rollback")) {
                prepared.setLength(0);
            }
            try {
                Object result = method.invoke(real, args);
                if (drop) {
                    real.close();
                    throw lost();
                }
                return result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    private static SQLException lost() {
        return new SQLException("An I/O error occurred while sending to the backend.", "08006");
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
