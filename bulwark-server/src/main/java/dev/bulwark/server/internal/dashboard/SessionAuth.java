package dev.bulwark.server.internal.dashboard;

import dev.bulwark.server.internal.Authenticator;
import dev.bulwark.server.internal.Principal;
import dev.bulwark.server.internal.Problem;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.Set;

/**
 * Who an API request speaks for: its bearer token when it sends one, else the dashboard session
 * of its cookie. A request authenticated by the cookie that changes something (any method but
 * GET and HEAD) must also echo the session's CSRF token in {@value #CSRF_HEADER}: another site
 * can make a browser send the cookie (not with SameSite=Strict in current browsers, but older
 * ones differ), never read or send that header.
 */
public final class SessionAuth {
    /** The session cookie: HttpOnly, SameSite=Strict, Path=/. */
    public static final String COOKIE = "bulwark_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    private SessionAuth() {
    }

    public static Principal principal(Context ctx, Authenticator authenticator, Sessions sessions) {
        String authorization = ctx.header("Authorization");
        if (authorization == null) {
            Optional<Sessions.Session> session = sessions.find(ctx.cookie(COOKIE));
            if (session.isPresent()) {
                requireCsrf(ctx, session.get());
                return session.get().principal();
            }
        }
        return authenticator.authenticate(authorization);
    }

    /** 403 for a changing request without the session's CSRF token. */
    static void requireCsrf(Context ctx, Sessions.Session session) {
        if (!SAFE.contains(ctx.method().name()) && !Sessions.csrfMatches(session, ctx.header(CSRF_HEADER))) {
            throw new Problem(403, "Forbidden", "this request comes with the dashboard's session cookie but without its CSRF "
                    + "token: send the token of GET /session in the " + CSRF_HEADER + " header", CSRF_HEADER);
        }
    }
}
