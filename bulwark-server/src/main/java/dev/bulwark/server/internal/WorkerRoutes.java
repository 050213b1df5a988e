package dev.bulwark.server.internal;

import dev.bulwark.jdbc.WorkQueue;
import dev.bulwark.server.Role;
import io.javalin.Javalin;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /workers} (admin): on a shared ledger, the workers holding leases (how many, and
 * when they end: a live worker's heartbeat pushes them forward) and the unfinished items whose
 * lease expired at least once (stalled); on the embedded ledger, empty lists.
 */
final class WorkerRoutes {
    /** Stalled items listed at most. */
    static final int STALLED_SHOWN = 100;

    private WorkerRoutes() {
    }

    static void register(Javalin app, ServerContext server) {
        app.get(Views.BASE + "/workers", ctx -> {
            Routes.who(ctx, Role.ADMIN);
            WorkQueue queue = server.jobs().workQueue();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sharedLedger", queue != null);
            m.put("workers", queue == null ? List.of() : queue.leaseHolders());
            m.put("stalled", queue == null ? List.of() : queue.stalledItems(STALLED_SHOWN));
            ctx.json(m);
        });
    }
}
