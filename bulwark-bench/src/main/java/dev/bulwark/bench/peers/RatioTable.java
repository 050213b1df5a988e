package dev.bulwark.bench.peers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side table of the peer harness: per store and runner, the items/s of every run, and
 * Bulwark's items/s divided by the runner's in the same round (higher is better for Bulwark).
 * Runs pair up by their order: the n-th run of Bulwark with the n-th run of each peer on the same
 * store, which the harness made one after the other.
 */
public final class RatioTable {

    /**
     * One row.
     *
     * @param store  the store
     * @param runner the runner
     * @param rates  items/s of each run, in order
     * @param ratios Bulwark's items/s over this runner's, per round (empty for Bulwark itself, or
     *               when Bulwark did not run on this store)
     */
    public record Row(String store, String runner, List<Double> rates, List<Double> ratios) {
    }

    private final List<Row> rows;

    private RatioTable(List<Row> rows) {
        this.rows = List.copyOf(rows);
    }

    /** The table of {@code results} (the {@code peers} phase; other phases are left out). */
    public static RatioTable of(List<PeerResult> results) {
        Map<String, Map<String, List<Double>>> byStore = new LinkedHashMap<>();
        for (PeerResult r : results) {
            if (r.phase().equals("peers")) {
                byStore.computeIfAbsent(r.store(), s -> new LinkedHashMap<>())
                        .computeIfAbsent(r.runner(), x -> new ArrayList<>()).add(r.itemsPerS());
            }
        }
        List<Row> rows = new ArrayList<>();
        byStore.forEach((store, runners) -> {
            List<Double> bulwark = runners.getOrDefault("bulwark", List.of());
            runners.forEach((runner, rates) -> {
                List<Double> ratios = new ArrayList<>();
                if (!runner.equals("bulwark")) {
                    for (int i = 0; i < Math.min(rates.size(), bulwark.size()); i++) {
                        ratios.add(bulwark.get(i) / rates.get(i));
                    }
                }
                rows.add(new Row(store, runner, List.copyOf(rates), List.copyOf(ratios)));
            });
        });
        return new RatioTable(rows);
    }

    /** The rows, stores and runners in the order they first ran. */
    public List<Row> rows() {
        return rows;
    }

    /** The table as text, one row per line under a header. */
    public String format() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-11s %-13s %-34s %s%n",
                "store", "runner", "items/s per run", "bulwark / runner per run"));
        for (Row row : rows) {
            b.append(String.format(Locale.ROOT, "%-11s %-13s %-34s %s%n", row.store(), row.runner(),
                    join(row.rates(), "%,.0f"), row.ratios().isEmpty() ? "-" : join(row.ratios(), "%.2f")));
        }
        return b.toString();
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    public static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("the median of no values");
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String join(List<Double> values, String format) {
        List<String> parts = new ArrayList<>();
        for (double v : values) {
            parts.add(String.format(Locale.ROOT, format, v));
        }
        return String.join(" · ", parts);
    }
}
