package dev.bulwark.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Objects;

/**
 * One run of one runner in the peer harness, as the JSON line it prints.
 *
 * @param phase      {@code peers} (the side-by-side runs) or {@code sweep} (Bulwark against concurrency)
 * @param runner     {@code bulwark}, {@code db-scheduler}, {@code jobrunr} or {@code spring-batch}
 * @param version    the runner's version
 * @param store      {@code sqlite} or {@code postgresql}
 * @param settings   the store's durability as the run found it (SQLite: journal mode and
 *                   {@code synchronous}; PostgreSQL: {@code synchronous_commit})
 * @param items      items run
 * @param threads    threads (Bulwark: the job's concurrency)
 * @param seconds    wall time from the first item submitted until the last outcome was stored
 * @param itemsPerS  items / seconds
 * @param done       items the store holds as done afterwards (must equal {@code items})
 */
public record PeerResult(String phase, String runner, String version, String store, String settings, long items,
                         int threads, double seconds, double itemsPerS, long done) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checks the fields. */
    public PeerResult {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(runner, "runner");
        Objects.requireNonNull(store, "store");
        if (items < 1 || threads < 1 || !(seconds > 0)) {
            throw new IllegalArgumentException("a peer result needs items >= 1, threads >= 1 and seconds > 0, but had items "
                    + items + ", threads " + threads + ", seconds " + seconds);
        }
    }

    /** A result of {@code items} items in {@code seconds}, its rate computed. */
    public static PeerResult of(String phase, String runner, String version, String store, String settings, long items,
                                int threads, double seconds, long done) {
        return new PeerResult(phase, runner, version, store, settings, items, threads, seconds, items / seconds, done);
    }

    /** The same result in another phase. */
    public PeerResult inPhase(String newPhase) {
        return new PeerResult(newPhase, runner, version, store, settings, items, threads, seconds, itemsPerS, done);
    }

    /** True when the store holds every item as done. */
    public boolean complete() {
        return done == items;
    }

    /** The JSON line: runner, store, items, threads, seconds, items_per_s, and the other fields. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("runner", runner).put("version", version).put("store", store).put("settings", settings)
                .put("items", items).put("threads", threads)
                .put("seconds", Double.parseDouble(String.format(Locale.ROOT, "%.3f", seconds)))
                .put("items_per_s", Math.round(itemsPerS)).put("done", done).put("phase", phase);
        return o.toString();
    }

    /**
     * Reads a line that {@link #toJson} printed.
     *
     * @throws IllegalArgumentException naming the line when it is not such a JSON object
     */
    public static PeerResult parse(String line) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a peer result JSON line: '" + line + "' (" + e.getMessage() + ")", e);
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("not a peer result JSON line: '" + line + "'");
        }
        for (String field : new String[] {"runner", "store", "items", "threads", "seconds"}) {
            if (!o.hasNonNull(field)) {
                throw new IllegalArgumentException("the peer result '" + line + "' has no field " + field);
            }
        }
        return of(o.path("phase").asText("peers"), o.get("runner").asText(), o.path("version").asText(""),
                o.get("store").asText(), o.path("settings").asText(""), o.get("items").asLong(), o.get("threads").asInt(),
                o.get("seconds").asDouble(), o.path("done").asLong(0));
    }
}
