package dev.bulwark.server.internal;

import dev.bulwark.Job;
import dev.bulwark.server.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /stats}: jobs by state and tier, and the shared worker pool's queue depth. A token
 * with the {@code admin} role (an operator's) sees the counts of every tenant, as in
 * {@code /metrics}; any other token only its own tenant's.
 */
final class Stats {
    private Stats() {
    }

    static Map<String, Object> of(List<Job> jobs, Principal who, int[] depth, int workers) {
        boolean all = who.roles().contains(Role.ADMIN);
        Map<String, Map<String, Long>> tiers = new TreeMap<>();
        for (Job job : jobs) {
            if (!all && !job.tenant().equals(who.tenant())) {
                continue;
            }
            String tier = job.config().input().getOrDefault(JobService.TIER, "unknown");
            Map<String, Long> row = tiers.computeIfAbsent(tier, t -> emptyRow());
            String state = switch (job.status()) {
                case QUEUED -> "waiting";
                case RUNNING -> "active";
                case PAUSED -> "paused";
                case COMPLETED -> "completed";
                case PARTIAL, FAILED -> "failed";
                case CANCELLED -> "cancelled";
            };
            row.merge(state, 1L, Long::sum);
        }
        Map<String, Long> total = emptyRow();
        tiers.values().forEach(row -> row.forEach((k, v) -> total.merge(k, v, Long::sum)));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scope", all ? "all tenants" : "tenant " + who.tenant());
        m.put("total", total);
        m.put("tiers", tiers);
        Map<String, Object> pool = new LinkedHashMap<>();
        pool.put("workers", workers);
        pool.put("waiting", depth[0]);
        pool.put("running", depth[1]);
        m.put("workerPool", pool);
        return m;
    }

    private static Map<String, Long> emptyRow() {
        Map<String, Long> row = new LinkedHashMap<>();
        for (String s : List.of("waiting", "active", "paused", "completed", "failed", "cancelled")) {
            row.put(s, 0L);
        }
        return row;
    }
}
