package dev.bulwark.server.internal;

import dev.bulwark.InvalidTransitionException;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.JobStatus;
import dev.bulwark.Job;
import dev.bulwark.NotFoundException;
import dev.bulwark.ValidationException;
import dev.bulwark.util.Json;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.server.Role;
import dev.bulwark.server.internal.dashboard.SessionAuth;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST API under {@code /api/v1}: authentication, roles, tenancy, and the answer shapes. */
public final class Routes {
    private static final Logger LOG = LoggerFactory.getLogger(Routes.class);
    static final String PRINCIPAL = "bulwark.principal";
    private static final String PROBLEM_WRITTEN = "bulwark.problem";
    private static final String PROBLEM_JSON = "application/problem+json";
    /** How often the event stream of a job run by workers reads the job from the shared ledger. */
    static final Duration SHARED_POLL = Duration.ofSeconds(1);
    private static final Set<String> PUBLIC = Set.of(Views.BASE + "/health", Views.BASE + "/openapi.json");

    private final ServerContext server;

    public Routes(ServerContext server) {
        this.server = server;
    }

    /** Registers every route and error mapping on {@code app}. */
    public void register(Javalin app) {
        String b = Views.BASE;
        app.before(b + "/*", ctx -> {
            if (!PUBLIC.contains(ctx.path())) {
                ctx.attribute(PRINCIPAL, SessionAuth.principal(ctx, server.authenticator(), server.sessions()));
            }
        });
        app.get(b + "/health", this::health);
        app.get(b + "/openapi.json", ctx -> {
            try (InputStream in = Routes.class.getResourceAsStream("/dev/bulwark/server/openapi.json")) {
                ctx.contentType("application/json").result(in.readAllBytes());
            }
        });
        app.get(b + "/metrics", ctx -> {
            who(ctx, Role.ADMIN);
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(server.metrics().scrape());
        });
        app.get(b + "/stats", ctx -> {
            Principal who = who(ctx, Role.READ);
            ctx.json(Stats.of(server.jobs().all(), who, server.pool().depth(), server.config().workers()));
        });
        app.post(b + "/jobs", this::submit);
        app.get(b + "/jobs", this::list);
        app.get(b + "/jobs/{id}", ctx -> {
            Job job = job(ctx, Role.READ);
            ctx.json(Views.detail(job, server.engine().ledger(), server.engine().progress(job.id()), server.jobs().breakers(job)));
        });
        app.delete(b + "/jobs/{id}", ctx -> {
            server.jobs().delete(who(ctx, Role.ADMIN), ctx.pathParam("id"));
            ctx.status(204);
        });
        app.post(b + "/jobs/{id}/cancel", ctx -> control(ctx, server.jobs().cancel(who(ctx, Role.SUBMIT), ctx.pathParam("id"))));
        app.post(b + "/jobs/{id}/pause", ctx -> control(ctx, server.jobs().pause(who(ctx, Role.SUBMIT), ctx.pathParam("id"))));
        app.post(b + "/jobs/{id}/resume", ctx -> control(ctx, server.jobs().resume(who(ctx, Role.SUBMIT), ctx.pathParam("id"))));
        app.post(b + "/jobs/{id}/retry-failed", ctx -> control(ctx, server.jobs().retryFailed(who(ctx, Role.SUBMIT), ctx.pathParam("id"))));
        app.get(b + "/breakers", ctx -> {
            List<JobService.JobBreaker> open = server.jobs().openBreakers(who(ctx, Role.READ));
            Principal who = who(ctx, Role.READ);
            ctx.json(Map.of("breakers", open.stream().map(jb -> Views.breaker(jb.job(), jb.breaker())).toList(),
                    "shared", server.jobs().sharedBreakers(who)));
        });
        // The ledger's shared breakers act for every tenant: admins only. Registered before the
        // job route below, whose {id} ("shared" is no job id: ids are hexadecimal) would take them.
        app.post(b + "/breakers/shared/{name}/reset", ctx -> {
            who(ctx, Role.ADMIN);
            String name = ctx.pathParam("name");
            boolean reset = server.jobs().resetSharedBreaker(name);
            ctx.json(Map.of("name", name, "state", "CLOSED", "reset", reset));
        });
        app.post(b + "/breakers/shared/{name}/open", ctx -> {
            who(ctx, Role.ADMIN);
            String name = ctx.pathParam("name");
            String length = ctx.queryParam("for");
            java.time.Duration duration;
            try {
                duration = length == null ? null : dev.bulwark.util.Durations.parse(length, "for");
            } catch (dev.bulwark.ValidationException e) {
                throw Problem.badRequest("for", e.getMessage());
            }
            server.jobs().openSharedBreaker(name, duration, ctx.queryParam("reason"));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("state", "OPEN");
            m.put("untilReset", duration == null);
            ctx.json(m);
        });
        // <scope> takes slashes, so a scope like hosts/beta may come percent-encoded (hosts%2Fbeta) or as it is
        app.post(b + "/breakers/{id}/<scope>/reset", ctx -> {
            String scope = ctx.pathParam("scope");
            Job job = server.jobs().resetBreaker(who(ctx, Role.SUBMIT), ctx.pathParam("id"), scope);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("jobId", job.id().toString());
            m.put("scope", scope);
            m.put("state", "CLOSED");
            m.put("job", Views.summary(job));
            boolean running = server.pool().isRunning(job.id()) || server.pool().isWaiting(job.id());
            m.put("next", running ? "the job sends the scope's items again"
                    : job.status() == JobStatus.FAILED || job.status() == JobStatus.PAUSED
                    ? "POST " + Views.jobUrl(job) + "/resume to continue the job" : null);
            ctx.json(m);
        });
        app.get(b + "/jobs/{id}/items", this::items);
        app.get(b + "/jobs/{id}/items/{seq}/log", this::log);
        app.before(b + "/jobs/{id}/events", ctx -> { // refuse before the stream opens
            job(ctx, Role.READ);
            requireEventStream(ctx);
        });
        app.sse(b + "/jobs/{id}/events", client -> new EventStream(client, server.hub(), server.engine(),
                job(client.ctx(), Role.READ), server.jobs().sharedLedger() ? SHARED_POLL : null).start());

        new ItemRoutes(server).register(app);
        WorkerRoutes.register(app, server);
        new UploadRoutes(server).register(app);
        new OutputRoutes(server).register(app);
        app.before(b + "/events", ctx -> {
            who(ctx, Role.READ);
            requireEventStream(ctx);
        });
        app.sse(b + "/events", client -> new TenantEventStream(client, server.hub(), server.engine().ledger(),
                who(client.ctx(), Role.READ).tenant()).start());

        app.exception(Problem.class, (e, ctx) -> problem(ctx, e));
        app.exception(ValidationException.class, (e, ctx) -> problem(ctx, Problem.unprocessable(null, e.getMessage())));
        app.exception(NotFoundException.class, (e, ctx) -> problem(ctx, Problem.notFound(e.getMessage())));
        app.exception(InvalidTransitionException.class, (e, ctx) -> problem(ctx, Problem.conflict(e.getMessage())));
        app.exception(HttpResponseException.class, (e, ctx) -> problem(ctx, new Problem(e.getStatus(), "Error", e.getMessage(), null)));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("internal error on {} {}", ctx.method(), ctx.path(), e);
            // the details stay in the server's log: they may name files or internals
            problem(ctx, new Problem(500, "Internal Server Error", "internal error (" + e.getClass().getSimpleName()
                    + "); the server's log has the details", null));
        });
        app.error(404, ctx -> {
            if (ctx.attribute(PROBLEM_WRITTEN) == null) {
                problem(ctx, Problem.notFound("no route " + ctx.method() + " " + ctx.path() + "; see " + b + "/openapi.json"));
            }
        });
        app.error(405, ctx -> {
            if (ctx.attribute(PROBLEM_WRITTEN) == null) {
                problem(ctx, new Problem(405, "Method Not Allowed", ctx.method() + " is not allowed on " + ctx.path(), null));
            }
        });
    }

    private static void requireEventStream(Context ctx) {
        if (!"text/event-stream".equals(ctx.header("Accept"))) {
            throw new Problem(406, "Not Acceptable", "this route is a server-sent event stream: send 'Accept: text/event-stream'", "Accept");
        }
    }

    private void health(Context ctx) {
        int[] depth = server.pool().depth();
        Map<String, Object> m = new LinkedHashMap<>();
        boolean up = !server.stopping();
        m.put("status", up ? "UP" : "STOPPING");
        m.put("queued", depth[0]);
        m.put("running", depth[1]);
        ctx.status(up ? 200 : 503).json(m);
    }

    private void submit(Context ctx) throws IOException {
        Principal who = who(ctx, Role.SUBMIT);
        int limit = who.tier().maxRequestBytes();
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw tooLarge(limit, who);
        }
        byte[] body;
        try {
            body = ctx.req().getInputStream().readNBytes(limit + 1);
        } catch (IOException e) { // Jetty's idle timeout on a body that stopped arriving, or a client gone
            throw new Problem(408, "Request Timeout", "the request body stopped arriving before its end; send it whole", null);
        }
        if (body.length > limit) {
            throw tooLarge(limit, who);
        }
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new Problem(415, "Unsupported Media Type", "send the job as Content-Type: application/json, not " + type, "Content-Type");
        }
        JobService.Submitted s = server.jobs().submit(who, body, ctx.header("Idempotency-Key"));
        Job job = s.job();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", job.id().toString());
        m.put("status", job.status().name());
        m.put("total", job.total());
        m.put("statusUrl", Views.jobUrl(job));
        m.put("eventsUrl", Views.jobUrl(job) + "/events");
        ctx.header("Location", Views.jobUrl(job));
        if (!s.warnings().isEmpty()) {
            m.put("warnings", s.warnings());
        }
        if (s.replay()) {
            ctx.header("Idempotent-Replayed", "true");
        }
        ctx.status(s.replay() ? 200 : 201).json(m);
    }

    private static Problem tooLarge(int limit, Principal who) {
        return new Problem(413, "Content Too Large", "the request body is larger than " + limit
                + " bytes, the most tier '" + who.tier().name() + "' may send", null);
    }

    private void list(Context ctx) {
        Principal who = who(ctx, Role.READ);
        int limit = intParam(ctx, "limit", 50, 1, 500);
        int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        List<Job> jobs = server.jobs().list(who, JobService.statuses(JobStatus.class, ctx.queryParam("status")));
        boolean withProgress = "progress".equals(ctx.queryParam("include"));
        List<Map<String, Object>> page = jobs.stream().skip(offset).limit(limit)
                .map(j -> withProgress ? Views.listed(j, server.engine().ledger(), server.engine().progress(j.id())) : Views.summary(j))
                .toList();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobs", page);
        m.put("total", jobs.size());
        m.put("offset", offset);
        m.put("limit", limit);
        String status = ctx.queryParam("status") == null ? "" : "&status=" + ctx.queryParam("status");
        long end = (long) offset + limit; // an offset near Integer.MAX_VALUE must not wrap around
        m.put("next", end < jobs.size() ? Views.BASE + "/jobs?offset=" + end + "&limit=" + limit + status : null);
        ctx.json(m);
    }

    private void items(Context ctx) {
        Job job = job(ctx, Role.READ);
        int limit = intParam(ctx, "limit", 100, 1, 1000);
        long after = intParam(ctx, "after", 0, 0, Integer.MAX_VALUE);
        String status = ctx.queryParam("status");
        Set<ItemStatus> statuses = JobService.statuses(ItemStatus.class, status);
        List<Item> items = server.engine().ledger().items(job.id(), new ItemQuery(statuses, after, limit));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("items", items.stream().map(Views::item).toList());
        m.put("next", items.size() < limit ? null : Views.jobUrl(job) + "/items?after=" + items.getLast().seq()
                + "&limit=" + limit + (status == null ? "" : "&status=" + status));
        ctx.json(m);
    }

    private void log(Context ctx) throws IOException {
        Job job = job(ctx, Role.READ);
        long seq = ItemRoutes.seq(ctx);
        Item item = server.engine().ledger().findItem(job.id(), seq)
                .orElseThrow(() -> Problem.notFound("job " + job.id() + " has no item " + seq));
        Path logs = server.logDirectory();
        Path file = item.logPath() == null ? null : Path.of(item.logPath()).toAbsolutePath().normalize();
        if (file == null || logs == null || !file.startsWith(logs) || !Files.isRegularFile(file)) {
            if (file != null && server.jobs().sharedLedger()) { // run by a worker of another process, perhaps on another machine
                throw Problem.notFound("item " + seq + " of job " + job.id() + " has no log on this server: only the logs of items "
                        + "that this server's own worker ran are here; the others stay in the home of the worker that ran them");
            }
            throw Problem.notFound("item " + seq + " of job " + job.id() + " has no log yet");
        }
        ctx.contentType("text/plain; charset=utf-8").result(Files.newInputStream(file));
    }

    private void control(Context ctx, Job before) {
        Job job = server.engine().ledger().findJob(before.id()).orElse(before);
        ctx.status(202).json(Views.summary(job));
    }

    private Job job(Context ctx, Role role) {
        return server.jobs().find(who(ctx, role), ctx.pathParam("id"));
    }

    static Principal who(Context ctx, Role role) {
        Principal who = ctx.attribute(PRINCIPAL);
        who.require(role);
        return who;
    }

    static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String text = ctx.queryParam(name);
        if (text == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(text);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw Problem.badRequest(name, name + " must be a whole number between " + min + " and " + max + ", but was '" + text + "'");
    }

    private static void problem(Context ctx, Problem p) {
        ctx.attribute(PROBLEM_WRITTEN, Boolean.TRUE);
        if (p.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"bulwark\"");
        }
        if (p.status() == 408) {
            ctx.header("Connection", "close");
        }
        ctx.status(p.status()).contentType(PROBLEM_JSON).result(Json.write(p.body(ctx.path())));
    }
}
