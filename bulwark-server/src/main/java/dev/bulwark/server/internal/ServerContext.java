package dev.bulwark.server.internal;

import dev.bulwark.Engine;
import dev.bulwark.server.ServerConfig;
import java.nio.file.Path;

/** What the routes need from the running server. */
public interface ServerContext {
    ServerConfig config();

    Engine engine();

    JobService jobs();

    WorkerPool pool();

    EventHub hub();

    Metrics metrics();

    Authenticator authenticator();

    /** The callbacks at the end of jobs, or null when {@code server.webhooks} is not configured. */
    Webhooks webhooks();

    /** The dashboard's sign-in sessions. */
    dev.bulwark.server.internal.dashboard.Sessions sessions();

    /** The real path of the per-item log folder, or null when logs are not kept. */
    Path logDirectory();

    /** Whether a shutdown has begun. */
    boolean stopping();
}
