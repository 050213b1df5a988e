package dev.bulwark.jdbc.postgres;

import dev.bulwark.jdbc.internal.PgNotifications;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests to the process that runs a job on a shared ledger in process ({@code bulwark run --store}):
 * {@code bulwark pause} and {@code cancel} from any machine send one as a
 * {@code NOTIFY bulwark_control}, and the process that runs the job listens and serves it as it
 * serves the same requests from its home's {@code control/} folder. A notification is not kept:
 * the sender sends it again until the job shows the effect, or gives up after its wait.
 *
 * <p>The payload is {@code SCHEMA \n JOB \n REQUEST \n CONTENT} (the content is the scope of a
 * breaker reset, which the serving side understands though the command line sends none yet:
 * {@code breaker reset --store} resets shared breakers in the ledger itself; else empty); a
 * listener serves only the requests of its own schema.
 */
public final class ControlRequests {
    private static final Logger LOG = LoggerFactory.getLogger(ControlRequests.class);
    /** The channel requests go on. */
    public static final String CHANNEL = "bulwark_control";
    /** A notification's payload must stay below PostgreSQL's 8,000 bytes: the content's UTF-8 bytes at most this. */
    private static final int MAX_CONTENT_BYTES = 4_000;

    private ControlRequests() {
    }

    /** What the process that runs a job does with one request. */
    @FunctionalInterface
    public interface Handler {
        void serve(UUID jobId, String request, String content);
    }

    /** Sends {@code request} (with {@code content}, or null) for {@code jobId} to whichever process listens on {@code schema}. */
    public static void send(Connection c, String schema, UUID jobId, String request, String content) throws SQLException {
        String body = content == null ? "" : content;
        int bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_CONTENT_BYTES) {
            throw new dev.bulwark.ValidationException("the request's content is " + bytes
                    + " bytes long (UTF-8); at most " + MAX_CONTENT_BYTES + " fit in a notification");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, CHANNEL);
            ps.setString(2, schema + "\n" + jobId + "\n" + request + "\n" + body);
            ps.execute();
        }
    }

    /**
     * Listens on a connection of its own from {@code dataSource} and hands each request for
     * {@code schema} to {@code handler}, on the listening thread (hand long work to another one);
     * close the handle to stop.
     */
    public static AutoCloseable listen(DataSource dataSource, String schema, Handler handler) {
        PgNotifications listener = new PgNotifications(dataSource, CHANNEL, () -> { }, payload -> {
            String[] parts = payload.split("\n", 4);
            if (parts.length == 4 && parts[0].equals(schema)) {
                try {
                    handler.serve(UUID.fromString(parts[1]), parts[2], parts[3]);
                } catch (RuntimeException e) {
                    LOG.warn("cannot serve the {} request for job {}: {}", parts[2], parts[1], e.getMessage());
                }
            }
        });
        if (!listener.awaitListening(Duration.ofSeconds(5))) {
            LOG.warn("not yet listening for pause and cancel requests; trying on");
        }
        return listener;
    }
}
