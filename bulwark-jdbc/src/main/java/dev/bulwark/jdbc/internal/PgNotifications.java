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
 * Listens on a {@code NOTIFY} channel on a connection of its own: {@code bulwark_work}, so that idle
 * workers wake at once when a job is submitted or items become due (called back on each
 * notification and once each time it starts listening, since work may have been announced while
 * no one listened; the workers' polling still finds it meanwhile), or {@code bulwark_outcomes},
 * whose payloads tell a service about outcomes other processes recorded. A lost connection is
 * replaced after a pause.
 */
public final class PgNotifications implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PgNotifications.class);
    private static final int WAIT_MS = 500;
    private static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);

    private final DataSource dataSource;
    private final String channel;
    private final Runnable onListen;
    private final java.util.function.Consumer<String> onPayload;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch listening = new CountDownLatch(1);
    private final Thread thread;

    /** Wakes {@code onWork} on each {@code NOTIFY bulwark_work}, and each time it starts listening. */
    public PgNotifications(DataSource dataSource, Runnable onWork) {
        this(dataSource, PgWorkerJobs.CHANNEL, onWork, payload -> onWork.run());
    }

    /**
     * @param onListen  called each time it starts listening (nothing is received in between)
     * @param onPayload called with each notification's payload, on the listening thread: it must be quick
     */
    public PgNotifications(DataSource dataSource, String channel, Runnable onListen,
                           java.util.function.Consumer<String> onPayload) {
        this.dataSource = dataSource;
        this.channel = channel;
        this.onListen = onListen;
        this.onPayload = onPayload;
        this.thread = Thread.ofPlatform().daemon().name("bulwark-listen-" + channel).start(this::loop);
    }

    private void loop() {
        while (closed.getCount() > 0) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + channel);
                }
                listening.countDown();
                onListen.run();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (closed.getCount() > 0) {
                    PGNotification[] got = pg.getNotifications(WAIT_MS);
                    if (got != null && got.length > 0) {
                        if (channel.equals(PgWorkerJobs.CHANNEL)) {
                            onPayload.accept(got[got.length - 1].getParameter()); // one wake-up is enough
                        } else {
                            for (PGNotification n : got) {
                                onPayload.accept(n.getParameter());
                            }
                        }
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

    /** Waits up to {@code timeout} until it listens for the first time; whether it does. */
    public boolean awaitListening(Duration timeout) {
        try {
            return listening.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
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
