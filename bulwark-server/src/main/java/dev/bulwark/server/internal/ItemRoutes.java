package dev.bulwark.server.internal;

import dev.bulwark.Attempt;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.util.Json;
import dev.bulwark.ledger.FinishedInterval;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.server.ReviewQueueExport;
import dev.bulwark.server.Role;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The routes of one job's detail that the dashboard reads (an item with its attempts, errors by
 * category, throughput over time, the events timeline, the review queue as CSV or XLSX) and the
 * retry of one item.
 */
public final class ItemRoutes {
    /** Failed items read at most to group errors by category (a larger job gets a partial answer, said so). */
    static final int MAX_GROUPED = 200_000;
    private static final int PAGE = 1_000;
    /** Intervals of the throughput chart at most. */
    static final int INTERVALS = 60;

    private final ServerContext server;

    public ItemRoutes(ServerContext server) {
        this.server = server;
    }

    public void register(Javalin app) {
        String b = Views.BASE;
        app.get(b + "/jobs/{id}/items/{seq}", this::item);
        app.post(b + "/jobs/{id}/items/{seq}/retry", ctx -> {
            Job job = server.jobs().retryItem(Routes.who(ctx, Role.SUBMIT), ctx.pathParam("id"), seq(ctx));
            ctx.status(202).json(Views.summary(server.engine().ledger().findJob(job.id()).orElse(job)));
        });
        app.get(b + "/jobs/{id}/errors", this::errors);
        app.get(b + "/jobs/{id}/throughput", this::throughput);
        app.get(b + "/jobs/{id}/deliveries", ctx -> {
            Job job = job(ctx);
            ctx.json(Map.of("deliveries", server.webhooks() == null ? List.of() : server.webhooks().deliveriesOf(job)));
        });
        app.get(b + "/jobs/{id}/timeline", ctx -> {
            Job job = job(ctx);
            int limit = Routes.intParam(ctx, "limit", 200, 1, 1000);
            List<Map<String, Object>> events = new ArrayList<>();
            for (EngineEvent e : server.engine().ledger().events(job.id(), limit)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", e.type());
                m.put("at", e.at());
                m.put("seq", e.seq());
                m.put("data", e.data());
                events.add(m);
            }
            ctx.json(Map.of("events", events));
        });
        app.get(b + "/jobs/{id}/review.csv", ctx -> {
            Job job = job(ctx);
            download(ctx, job, "csv", "text/csv; charset=utf-8");
            try (OutputStream out = ctx.outputStream(); Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
                ReviewQueueExport.writeCsv(server.engine().ledger(), job.id(), w);
            }
        });
        app.get(b + "/jobs/{id}/review.xlsx", ctx -> {
            Job job = job(ctx);
            download(ctx, job, "xlsx", ReviewQueueExport.XLSX_TYPE);
            try (OutputStream out = ctx.outputStream()) {
                ReviewQueueExport.writeXlsx(server.engine().ledger(), job.id(), out);
            }
        });
    }

    private void item(Context ctx) {
        Job job = job(ctx);
        long seq = seq(ctx);
        Item item = server.engine().ledger().findItem(job.id(), seq)
                .orElseThrow(() -> Problem.notFound("job " + job.id() + " has no item " + seq));
        List<ObjectNode> attempts = new ArrayList<>();
        for (Attempt a : server.engine().ledger().attempts(job.id(), seq)) {
            ObjectNode node = Json.MAPPER.valueToTree(a);
            node.remove(List.of("jobId", "seq", "logPath"));
            attempts.add(node);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("item", Views.item(item));
        m.put("attempts", attempts);
        ctx.json(m);
    }

    /**
     * Items finished per interval since the job started, in {@link #INTERVALS} intervals or fewer
     * of whole seconds (at least one second each): a chart of throughput and failures.
     */
    private void throughput(Context ctx) {
        Job job = job(ctx);
        Instant from = job.startedAt() == null ? job.createdAt() : job.startedAt();
        Instant to = job.finishedAt() == null ? server.engine().now() : job.finishedAt();
        long span = Math.max(1, Duration.between(from, to).toSeconds() + 1);
        Duration width = Duration.ofSeconds((span + INTERVALS - 1) / INTERVALS);
        List<Map<String, Object>> intervals = new ArrayList<>();
        for (FinishedInterval f : server.engine().ledger().finishedOverTime(job.id(), from, width)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("start", from.plus(width.multipliedBy(f.index())));
            m.put("succeeded", f.succeeded());
            m.put("failed", f.failed());
            intervals.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", from);
        m.put("to", to);
        m.put("intervalSeconds", width.toSeconds());
        m.put("intervals", intervals);
        ctx.json(m);
    }

    /** Failed and retry-waiting items by error class and category, most frequent first, with an example. */
    private void errors(Context ctx) {
        Job job = job(ctx);
        Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
        long scanned = 0;
        ItemQuery query = new ItemQuery(Set.of(ItemStatus.FAILED, ItemStatus.RETRY_WAIT), 0, PAGE);
        boolean complete = true;
        for (List<Item> page = server.engine().ledger().items(job.id(), query); !page.isEmpty();
                page = server.engine().ledger().items(job.id(), query)) {
            for (Item i : page) {
                String errorClass = i.errorClass() == null ? null : i.errorClass().name();
                String category = i.category() == null ? "unknown" : i.category();
                Map<String, Object> g = groups.computeIfAbsent(errorClass + "\n" + category, k -> {
                    Map<String, Object> n = new LinkedHashMap<>();
                    n.put("category", category);
                    n.put("errorClass", errorClass);
                    n.put("count", 0L);
                    n.put("failed", 0L);
                    n.put("retrying", 0L);
                    n.put("exampleSeq", i.seq());
                    n.put("exampleKey", dev.bulwark.util.FileNames.escape(i.key()));
                    n.put("exampleMessage", i.message());
                    return n;
                });
                g.merge("count", 1L, (x, y) -> (Long) x + (Long) y);
                g.merge(i.status() == ItemStatus.FAILED ? "failed" : "retrying", 1L, (x, y) -> (Long) x + (Long) y);
            }
            scanned += page.size();
            if (scanned >= MAX_GROUPED) {
                complete = false;
                break;
            }
            query = new ItemQuery(query.statuses(), page.getLast().seq(), PAGE);
        }
        List<Map<String, Object>> sorted = new ArrayList<>(groups.values());
        sorted.sort(Comparator.comparing((Map<String, Object> g) -> (Long) g.get("count")).reversed());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("categories", sorted);
        m.put("itemsRead", scanned);
        m.put("complete", complete);
        ctx.json(m);
    }

    private static void download(Context ctx, Job job, String extension, String type) {
        ctx.contentType(type);
        ctx.header("Content-Disposition", "attachment; filename=\"review-queue-" + job.id() + "." + extension + "\"");
        ctx.header("X-Content-Type-Options", "nosniff");
    }

    private Job job(Context ctx) {
        return server.jobs().find(Routes.who(ctx, Role.READ), ctx.pathParam("id"));
    }

    static long seq(Context ctx) {
        String text = ctx.pathParam("seq");
        try {
            long seq = Long.parseLong(text);
            if (seq >= 1) {
                return seq;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw Problem.badRequest("seq", "seq must be an item's sequence number (1, 2, ...), but was '" + text + "'");
    }
}
