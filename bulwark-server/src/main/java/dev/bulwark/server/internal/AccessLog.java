package dev.bulwark.server.internal;

import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's access log: one INFO line per request on the logger {@code dev.bulwark.access},
 * with the fields {@code method}, {@code route} (the route template, e.g.
 * {@code /api/v1/jobs/{id}}, never the raw path, which may hold scopes or keys), {@code status},
 * {@code duration_ms} and {@code tenant} ({@code -} when unauthenticated). Headers and query
 * strings are never logged, so no token can reach the log.
 */
public final class AccessLog {
    static final Logger LOG = LoggerFactory.getLogger("dev.bulwark.access");

    private AccessLog() {
    }

    /** Javalin's request logger: called once the response is written. */
    public static void log(Context ctx, Float millis) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        String route = route(ctx);
        Principal who = ctx.attribute(Routes.PRINCIPAL);
        String tenant = who == null ? "-" : who.tenant();
        long ms = millis == null ? 0 : Math.round(millis);
        LOG.atInfo().addKeyValue("method", ctx.method().name()).addKeyValue("route", route)
                .addKeyValue("status", ctx.statusCode()).addKeyValue("duration_ms", ms).addKeyValue("tenant", tenant)
                .log("{} {} {} {}ms tenant={}", ctx.method().name(), route, ctx.statusCode(), ms, tenant);
    }

    private static String route(Context ctx) {
        try {
            String path = ctx.endpointHandlerPath();
            return path == null || path.isEmpty() ? "(no route)" : path;
        } catch (RuntimeException noEndpoint) {
            // 404s and requests refused before routing have no endpoint.
            return "(no route)";
        }
    }
}
