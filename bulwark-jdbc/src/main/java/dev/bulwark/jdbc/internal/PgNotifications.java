package dev.bulwark.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for {@code NOTIFY bulwark_work} on a connection of its own and calls back on each
 * notification (and once each time it starts listening), so idle workers wake at once when a job is submitted or items become due. A lost
 * connection is replaced after a pause; meanwhile the worker's polling still finds the work.
 */
public final class PgNotifications implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PgNotifications.class);
    private static final int WAIT_MS = 500;
    private static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);

    private final DataSource dataSource;
    private final Runnable onNotification;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;

    public PgNotifications(DataSource dataSource, Runnable onNotification) {
        this.dataSource = dataSource;
        this.onNotification = onNotification;
        this.thread = Thread.ofPlatform().daemon().name("bulwark-worker-listen").start(this::loop);
    }

    private void loop() {
        while (closed.getCount() > 0) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + PgWorkerJobs.CHANNEL);
                }
                // Work may have been announced while no one listened.
                onNotification.run();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (closed.getCount() > 0) {
                    PGNotification[] got = pg.getNotifications(WAIT_MS);
                    if (got != null && got.length > 0) {
                        onNotification.run();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed.getCount() == 0) {
                    return;
                }
                LOG.warn("lost the notification connection ({}); listening again in {}", e.getMessage(), RECONNECT_PAUSE);
                try {
                    if (closed.await(RECONNECT_PAUSE.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            thread.join(WAIT_MS * 4L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
