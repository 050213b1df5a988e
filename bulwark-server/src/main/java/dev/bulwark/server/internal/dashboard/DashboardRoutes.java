package dev.bulwark.server.internal.dashboard;

import dev.bulwark.util.Json;
import dev.bulwark.server.Role;
import dev.bulwark.server.internal.Authenticator;
import dev.bulwark.server.internal.Principal;
import dev.bulwark.server.internal.Problem;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The dashboard: sign-in and sign-out, the pages (static HTML shells; their JavaScript modules
 * read the API with the session cookie) and their assets. Pages carry no data, but are still
 * served only to a signed-in browser; everything of a tenant comes from the API, which checks the
 * session, its roles and (for actions) its CSRF token. Every answer carries a strict
 * Content-Security-Policy: scripts and styles only from {@code /assets/}, nothing inline.
 */
public final class DashboardRoutes {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final String RESOURCES = "/dev/bulwark/server/dashboard/";
    private static final java.util.Set<String> LOOPBACK_NAMES = java.util.Set.of("127.0.0.1", "localhost", "[::1]");
    private static final Pattern ASSET = Pattern.compile("[a-z0-9-]{1,64}\\.(js|css|svg)");
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "html", "text/html; charset=utf-8");

    /** The pages: path, file, and the role they need. */
    private record Page(String path, String file, Role role) {
    }

    private static final Page[] PAGES = {
        new Page("/", "jobs.html", Role.READ),
        new Page("/jobs/{id}", "job.html", Role.READ),
        new Page("/breakers", "breakers.html", Role.READ),
        new Page("/queues", "queues.html", Role.ADMIN),
        new Page("/workers", "workers.html", Role.ADMIN),
    };

    private final Authenticator authenticator;
    private final Sessions sessions;
    private final boolean anonymous;
    private final boolean shared;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    /**
     * @param anonymous no tokens are configured: every browser is the anonymous tenant (loopback only), no sign-in
     * @param shared    jobs run on the workers of a shared ledger (the pages poll, see docs/service.md)
     */
    public DashboardRoutes(Authenticator authenticator, Sessions sessions, boolean anonymous, boolean shared) {
        this.authenticator = authenticator;
        this.sessions = sessions;
        this.anonymous = anonymous;
        this.shared = shared;
    }

    public void register(Javalin app) {
        app.get("/login", ctx -> {
            if (anonymous || session(ctx).isPresent()) {
                redirect(ctx, "/");
                return;
            }
            page(ctx, "login.html");
        });
        app.post("/login", this::login);
        app.post("/logout", ctx -> {
            Optional<Sessions.Session> s = session(ctx);
            if (s.isPresent()) {
                SessionAuth.requireCsrf(ctx, s.get());
                sessions.close(s.get().id());
            }
            ctx.res().addHeader("Set-Cookie", SessionAuth.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
            ctx.status(204);
        });
        app.get("/session", ctx -> {
            Sessions.Session s = session(ctx).orElseThrow(() -> new Problem(401, "Unauthorized",
                    "no dashboard session: sign in on /login", null));
            Principal who = s.principal();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tenant", who.tenant());
            m.put("tier", who.tier().name());
            m.put("roles", who.roles().stream().map(Role::label).sorted().toList());
            m.put("csrf", s.csrf());
            m.put("anonymous", anonymous);
            m.put("sharedLedger", shared);
            secure(ctx);
            ctx.contentType("application/json").result(Json.write(m));
        });
        for (Page p : PAGES) {
            app.get(p.path(), ctx -> {
                Optional<Sessions.Session> s = session(ctx);
                if (s.isEmpty()) {
                    redirect(ctx, "/login");
                    return;
                }
                if (!s.get().principal().roles().contains(p.role())) {
                    ctx.status(403);
                    page(ctx, "forbidden.html");
                    return;
                }
                page(ctx, p.file());
            });
        }
        app.get("/assets/{file}", ctx -> {
            String file = ctx.pathParam("file");
            if (!ASSET.matcher(file).matches() || resource(file) == null) {
                throw Problem.notFound("no dashboard asset '" + file + "'");
            }
            secure(ctx);
            ctx.header("Cache-Control", "no-cache");
            ctx.contentType(TYPES.get(file.substring(file.lastIndexOf('.') + 1))).result(resource(file));
        });
    }

    private void login(Context ctx) {
        secure(ctx);
        String origin = ctx.header("Origin");
        String host = ctx.header("Host");
        if ("cross-site".equals(ctx.header("Sec-Fetch-Site")) || (origin != null && !origin.equals("null")
                && (host == null || !origin.toLowerCase(Locale.ROOT).endsWith("://" + host.toLowerCase(Locale.ROOT))))) {
            throw new Problem(403, "Forbidden", "sign in from the dashboard's own /login page (this form came from " + origin + ")",
                    "Origin");
        }
        if (anonymous) {
            redirect(ctx, "/");
            return;
        }
        String token = ctx.formParam("token");
        Principal who;
        try {
            who = authenticator.authenticate(token == null ? null : "Bearer " + token.trim());
        } catch (Problem e) {
            redirect(ctx, "/login?error=invalid");
            return;
        }
        Optional<Sessions.Session> old = session(ctx);
        old.ifPresent(s -> sessions.close(s.id())); // a new session id at every sign-in: no fixation
        Sessions.Session s = sessions.open(who);
        ctx.res().addHeader("Set-Cookie", SessionAuth.COOKIE + "=" + s.id() + "; Path=/; HttpOnly; SameSite=Strict"
                + ("https".equals(ctx.scheme()) ? "; Secure" : ""));
        redirect(ctx, "/");
    }

    /** The browser's session; without tokens configured, one is opened for the anonymous tenant. */
    private Optional<Sessions.Session> session(Context ctx) {
        Optional<Sessions.Session> s = sessions.find(ctx.cookie(SessionAuth.COOKIE));
        if (s.isEmpty() && anonymous) {
            refuseForeignHost(ctx);
            Sessions.Session opened = sessions.open(authenticator.authenticate(null));
            ctx.res().addHeader("Set-Cookie", SessionAuth.COOKIE + "=" + opened.id() + "; Path=/; HttpOnly; SameSite=Strict");
            return Optional.of(opened);
        }
        return s;
    }

    /**
     * Without tokens, sessions go only to requests addressed to the machine itself by a loopback
     * name: a web page whose host name was re-pointed to 127.0.0.1 (DNS rebinding) gets none.
     */
    private static void refuseForeignHost(Context ctx) {
        String host = ctx.header("Host");
        String name = host == null ? "" : host.toLowerCase(Locale.ROOT).replaceFirst(":[0-9]+$", "");
        if (!LOOPBACK_NAMES.contains(name)) {
            throw new Problem(403, "Forbidden", "without tokens the dashboard answers only to http://127.0.0.1, http://localhost "
                    + "or http://[::1], not to the host '" + host + "'", "Host");
        }
    }

    private void page(Context ctx, String file) {
        secure(ctx);
        ctx.header("Cache-Control", "no-store");
        ctx.contentType(TYPES.get("html")).result(resource(file));
    }

    private static void redirect(Context ctx, String to) {
        secure(ctx);
        ctx.header("Location", to);
        ctx.status(303);
    }

    static void secure(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
    }

    private byte[] resource(String file) {
        return cache.computeIfAbsent(file, f -> {
            try (InputStream in = DashboardRoutes.class.getResourceAsStream(RESOURCES + f)) {
                return in == null ? null : in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
