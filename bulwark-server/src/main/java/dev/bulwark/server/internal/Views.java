package dev.bulwark.server.internal;

import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.Progress;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.util.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The JSON shapes of the API (maps, so the field order is the documented one). */
final class Views {
    static final String BASE = "/api/v1";
    /** Running items shown in a job's status. */
    private static final int CURRENT_SHOWN = 20;

    private Views() {
    }

    static String jobUrl(Job job) {
        return BASE + "/jobs/" + job.id();
    }

    /** A job in a list: no per-item detail. */
    static Map<String, Object> summary(Job job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", job.id().toString());
        m.put("name", job.name());
        m.put("template", job.config().input().get(JobService.TEMPLATE));
        m.put("tier", job.config().input().get(JobService.TIER));
        m.put("priority", job.priority());
        m.put("status", job.status().name());
        m.put("reason", job.reason());
        m.put("total", job.total());
        m.put("createdAt", job.createdAt());
        m.put("startedAt", job.startedAt());
        m.put("finishedAt", job.finishedAt());
        m.put("url", jobUrl(job));
        return m;
    }

    /** A job in a list with {@code include=progress}: its summary, counts and progress (rate, ETA). */
    static Map<String, Object> listed(Job job, Ledger ledger, Optional<Progress> live) {
        Map<String, Object> m = summary(job);
        JobCounts counts = live.map(Progress::counts).orElseGet(() -> ledger.counts(job.id()));
        m.put("counts", counts); // the record's fields: total, pending, running, retryWait, …
        Map<String, Object> progress = new LinkedHashMap<>();
        progress.put("percent", counts.total() == 0 ? 100.0 : Math.round(1000.0 * counts.done() / counts.total()) / 10.0);
        progress.put("itemsPerSecond", live.map(p -> Math.round(p.itemsPerSec() * 100) / 100.0).orElse(0.0));
        progress.put("etaSeconds", live.map(Progress::eta).map(d -> d.toMillis() / 1000.0).orElse(null));
        m.put("progress", progress);
        return m;
    }

    /** A job's status: counts, progress, rate, ETA, running items, open breakers. */
    static Map<String, Object> detail(Job job, Ledger ledger, Optional<Progress> live, List<BreakerStatus> breakers) {
        Map<String, Object> m = listed(job, ledger, live);
        m.put("currentItems", ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.RUNNING), 0, CURRENT_SHOWN)).stream()
                .map(i -> Map.of("seq", i.seq(), "key", dev.bulwark.util.FileNames.escape(i.key()), "attempt", i.lastAttempt(), "startedAt", String.valueOf(i.startedAt())))
                .toList());
        m.put("openBreakers", breakers.stream().map(b -> breaker(job, b)).toList());
        m.put("config", job.config());
        return m;
    }

    /** An item as the ledger holds it, without the claim's internals, with the URL of its log. */
    static ObjectNode item(Item i) {
        ObjectNode node = Json.MAPPER.valueToTree(i);
        node.remove(List.of("jobId", "fence", "logPath", "payload"));
        node.put("key", dev.bulwark.util.FileNames.escape(i.key())); // bytes that are not UTF-8 as \xNN
        node.put("log", BASE + "/jobs/" + i.jobId() + "/items/" + i.seq() + "/log");
        return node;
    }

    static Map<String, Object> progress(Progress p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobId", p.jobId().toString());
        m.put("counts", p.counts());
        m.put("percent", Math.round(p.percent() * 10) / 10.0);
        m.put("itemsPerSecond", Math.round(p.itemsPerSec() * 100) / 100.0);
        m.put("etaSeconds", p.eta() == null ? null : p.eta().toMillis() / 1000.0);
        m.put("openBreakers", p.breakers().stream().map(BreakerStatus::scope).toList());
        return m;
    }

    /** A breaker that is not closed, with the URL that resets it. */
    /** A shared breaker of the ledger, with only the waiting jobs in {@code visible} (the caller's). */
    static Map<String, Object> sharedBreaker(dev.bulwark.SharedBreakerView b, java.util.Set<java.util.UUID> visible) {
        Map<String, Object> m = new LinkedHashMap<>();
        String path = BASE + "/breakers/shared/" + URLEncoder.encode(b.name(), StandardCharsets.UTF_8).replace("+", "%20");
        m.put("name", b.name());
        m.put("state", b.state().name());
        m.put("since", b.since());
        m.put("openUntil", b.untilReset() ? null : b.openUntil());
        m.put("untilReset", b.untilReset());
        m.put("reason", b.reason());
        m.put("policy", b.policy().toString());
        m.put("open", b.policy().describeOpen());
        m.put("counts", b.policy().countSpec());
        m.put("waitingJobs", b.waitingJobs().stream().filter(visible::contains).map(java.util.UUID::toString).toList());
        m.put("resetUrl", path + "/reset");
        m.put("openUrl", path + "/open");
        return m;
    }

    static Map<String, Object> breaker(Job job, BreakerStatus b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobId", job.id().toString());
        m.put("jobName", job.name());
        m.put("scope", b.scope());
        m.put("state", b.state().name());
        m.put("since", b.since());
        m.put("openUntil", b.openUntil());
        m.put("reopens", b.reopens());
        m.put("reason", b.reason());
        m.put("resetUrl", BASE + "/breakers/" + job.id() + "/" + URLEncoder.encode(b.scope(), StandardCharsets.UTF_8)
                .replace("+", "%20") + "/reset");
        return m;
    }
}
