package dev.bulwark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.Item;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.NotFoundException;
import dev.bulwark.ValidationException;
import dev.bulwark.util.Json;
import dev.bulwark.util.FileNames;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.server.ReviewQueueExport;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** How jobs and items look in JSON output and exports, and how a job is named on the command line. */
final class Views {
    /** The columns of {@code bulwark export}, in order. */
    /** The columns of an item in exports and JSON, typed (numbers, instants, text). */
    static final List<ReviewQueueExport.Column> ITEM_VALUES = List.of(
            new ReviewQueueExport.Column("seq", Item::seq), new ReviewQueueExport.Column("key", i -> FileNames.escape(i.key())),
            new ReviewQueueExport.Column("status", i -> i.status().name()), new ReviewQueueExport.Column("attempts", Item::attempts),
            new ReviewQueueExport.Column("error_class", i -> i.errorClass() == null ? null : i.errorClass().name()),
            new ReviewQueueExport.Column("category", Item::category), new ReviewQueueExport.Column("message", Item::message),
            new ReviewQueueExport.Column("exit_code", Item::exitCode), new ReviewQueueExport.Column("duration_ms", Item::durationMs),
            new ReviewQueueExport.Column("started_at", Item::startedAt), new ReviewQueueExport.Column("finished_at", Item::finishedAt),
            new ReviewQueueExport.Column("log", Item::logPath), new ReviewQueueExport.Column("result", Item::result));
    static final List<String> ITEM_COLUMNS = ITEM_VALUES.stream().map(ReviewQueueExport.Column::name).toList();

    private Views() {
    }

    static Map<String, Object> job(Job job, JobCounts c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", job.id().toString());
        m.put("name", job.name());
        m.put("status", job.status().name());
        m.put("reason", job.reason());
        m.put("total", c.total());
        m.put("counts", counts(c));
        m.put("created_at", text(job.createdAt()));
        m.put("started_at", text(job.startedAt()));
        m.put("finished_at", text(job.finishedAt()));
        m.put("config", Json.MAPPER.valueToTree(job.config()));
        return m;
    }

    static Map<String, Object> counts(JobCounts c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total", c.total());
        m.put("pending", c.pending());
        m.put("running", c.running());
        m.put("retry_wait", c.retryWait());
        m.put("succeeded", c.succeeded());
        m.put("failed", c.failed());
        m.put("skipped", c.skipped());
        m.put("compensated", c.compensated());
        m.put("retries", c.retries());
        m.put("interruptions", c.interruptions());
        return m;
    }

    static Map<String, Object> item(Item i) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (ReviewQueueExport.Column column : ITEM_VALUES) {
            Object value = column.value().apply(i);
            m.put(column.name(), value instanceof Instant at ? text(at) : value);
        }
        return m;
    }

    /** The breakers of a job that are not closed, as its ledger events left them. */
    static List<dev.bulwark.breaker.BreakerStatus> openBreakers(Ledger ledger, Job job) {
        if (job.config().breaker() == null) {
            return List.of();
        }
        return dev.bulwark.JobBreakers.open(ledger, job.id());
    }

    static Map<String, Object> breaker(dev.bulwark.breaker.BreakerStatus b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scope", FileNames.escape(b.scope()));
        m.put("state", b.state().name());
        m.put("since", text(b.since()));
        m.put("open_until", text(b.openUntil()));
        m.put("until_reset", dev.bulwark.breaker.BreakerState.untilReset(b.openUntil()));
        m.put("reopens", b.reopens());
        m.put("reason", b.reason());
        return m;
    }

    /** A time of day in UTC, to the second ({@code 14:05:09Z}), for progress lines. */
    /** When an open breaker lets a trial through, for people: {@code until reset} or {@code until 10:00:00Z}. */
    static String until(Instant openUntil) {
        return dev.bulwark.breaker.BreakerState.untilReset(openUntil) ? "until reset" : "until " + clock(openUntil);
    }

    static String clock(Instant at) {
        return java.time.format.DateTimeFormatter.ISO_LOCAL_TIME.format(
                at.atZone(java.time.ZoneOffset.UTC).toLocalTime().withNano(0)) + "Z";
    }

    static String text(Instant at) {
        return at == null ? null : at.toString();
    }

    static JsonNode tree(Object value) {
        return Json.MAPPER.valueToTree(value);
    }

    /**
     * A string made safe for one terminal line: control characters shown as escapes, and the bytes
     * of a file name that is not UTF-8 as {@code \xNN}.
     */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        FileNames.escape(s).codePoints().forEach(cp -> {
            if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (Character.isISOControl(cp) || cp == 0x2028 || cp == 0x2029) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    /** A job named by its id or an unambiguous prefix of it (at least 4 characters). */
    static Job resolve(Ledger ledger, String ref) {
        String text = ref.trim().toLowerCase(Locale.ROOT);
        if (text.length() == 36) {
            UUID id;
            try {
                id = UUID.fromString(text);
            } catch (IllegalArgumentException e) {
                throw new ValidationException("'" + ref + "' is not a job id (expected a UUID or a prefix of one)");
            }
            return ledger.findJob(id).orElseThrow(() -> new NotFoundException("job " + id + " not found (see bulwark list)"));
        }
        if (text.length() < 4 || !text.matches("[0-9a-f-]+")) {
            throw new ValidationException("'" + ref + "' is not a job id (expected a UUID, or at least its first 4 characters)");
        }
        List<Job> matches = ledger.listJobs(new JobQuery(Set.of(), Integer.MAX_VALUE)).stream()
                .filter(j -> j.id().toString().startsWith(text)).limit(3).toList();
        if (matches.isEmpty()) {
            throw new NotFoundException("no job id starts with '" + ref + "' (see bulwark list)");
        }
        if (matches.size() > 1) {
            throw new ValidationException("'" + ref + "' names more than one job (" + matches.get(0).id() + ", "
                    + matches.get(1).id() + (matches.size() > 2 ? ", ..." : "") + "); give more of the id");
        }
        return matches.get(0);
    }
}
