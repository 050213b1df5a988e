package dev.bulwark.bench.peers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The harness's chart, as SVG text (no drawing library): on the left, items/s per runner and store
 * (the median of the runs as a bar, the slowest and fastest run as a whisker); on the right,
 * Bulwark's items/s against concurrency from the sweep, one line per durability.
 */
public final class PeerChart {
    private static final int WIDTH = 960;
    private static final int HEIGHT = 420;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    private PeerChart() {
    }

    /** The chart of {@code results} under {@code title}. */
    public static String svg(List<PeerResult> results, String title) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        text(b, WIDTH / 2.0, 20, "middle", 14, "Peer harness: " + title);
        bars(b, results);
        sweep(b, results);
        b.append("</svg>\n");
        return b.toString();
    }

    private static void bars(StringBuilder b, List<PeerResult> results) {
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (PeerResult r : results) {
            if (r.phase().equals("peers")) {
                rates.computeIfAbsent(r.runner() + " · " + r.store(), k -> new ArrayList<>()).add(r.itemsPerS());
            }
        }
        double left = 170;
        double right = 450;
        double top = 50;
        text(b, (left + right) / 2, 40, "middle", 13, "items/s per runner (bar: median; line: slowest–fastest run)");
        if (rates.isEmpty()) {
            text(b, (left + right) / 2, 80, "middle", 12, "no side-by-side runs");
            return;
        }
        double max = rates.values().stream().flatMap(List::stream).mapToDouble(Double::doubleValue).max().orElse(1);
        double barHeight = Math.min(36, (HEIGHT - top - 40) / rates.size());
        int i = 0;
        for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
            double y = top + i * barHeight;
            double median = RatioTable.median(e.getValue());
            double lo = e.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(median);
            double hi = e.getValue().stream().mapToDouble(Double::doubleValue).max().orElse(median);
            String colour = e.getKey().startsWith("bulwark") ? COLOURS[0] : "#7f7f7f";
            text(b, left - 6, y + barHeight * 0.6, "end", 12, e.getKey());
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n",
                    left, y + 4, scale(median, max, right - left), barHeight - 8, colour));
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>%n",
                    left + scale(lo, max, right - left), left + scale(hi, max, right - left), y + barHeight / 2, y + barHeight / 2));
            text(b, left + scale(hi, max, right - left) + 4, y + barHeight * 0.6, "start", 11,
                    String.format(Locale.ROOT, "%,.0f", median));
            i++;
        }
    }

    private static void sweep(StringBuilder b, List<PeerResult> results) {
        Map<String, TreeMap<Integer, List<Double>>> lines = new LinkedHashMap<>();
        TreeSet<Integer> levels = new TreeSet<>();
        for (PeerResult r : results) {
            if (r.phase().equals("sweep")) {
                lines.computeIfAbsent(r.settings(), k -> new TreeMap<>()).computeIfAbsent(r.threads(), k -> new ArrayList<>())
                        .add(r.itemsPerS());
                levels.add(r.threads());
            }
        }
        double left = 560;
        double right = WIDTH - 30;
        double top = 50;
        double bottom = HEIGHT - 50;
        long items = results.stream().filter(r -> r.phase().equals("sweep")).mapToLong(PeerResult::items).max().orElse(0);
        text(b, (left + right) / 2, 40, "middle", 13,
                String.format(Locale.ROOT, "Bulwark on SQLite, %,d items: items/s against concurrency", items));
        if (levels.isEmpty()) {
            text(b, (left + right) / 2, 80, "middle", 12, "no sweep runs");
            return;
        }
        double max = lines.values().stream().flatMap(m -> m.values().stream()).flatMap(List::stream)
                .mapToDouble(Double::doubleValue).max().orElse(1);
        List<Integer> xs = new ArrayList<>(levels);
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>%n", left, right, bottom, bottom));
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>%n", left, left, top, bottom));
        for (int k = 0; k <= 4; k++) {
            double v = max * k / 4;
            double y = bottom - scale(v, max, bottom - top);
            text(b, left - 4, y + 4, "end", 10, String.format(Locale.ROOT, "%,.0f", v));
        }
        for (int k = 0; k < xs.size(); k++) {
            text(b, x(k, xs.size(), left, right), bottom + 16, "middle", 11, Integer.toString(xs.get(k)));
        }
        text(b, (left + right) / 2, bottom + 34, "middle", 11, "concurrency (the job's slots)");
        int c = 0;
        for (Map.Entry<String, TreeMap<Integer, List<Double>>> line : lines.entrySet()) {
            String colour = COLOURS[c % COLOURS.length];
            StringBuilder points = new StringBuilder();
            for (Map.Entry<Integer, List<Double>> p : line.getValue().entrySet()) {
                double px = x(xs.indexOf(p.getKey()), xs.size(), left, right);
                double py = bottom - scale(RatioTable.median(p.getValue()), max, bottom - top);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", px, py, colour));
                text(b, px, py - 6, "middle", 10, String.format(Locale.ROOT, "%,.0f", RatioTable.median(p.getValue())));
            }
            b.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                    points.toString().strip(), colour));
            text(b, left + 10, top + 14 + 16 * c, "start", 11, "— " + line.getKey());
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\" fill=\"%s\"/>%n",
                    left + 2, top + 8 + 16.0 * c, colour));
            c++;
        }
    }

    private static double x(int index, int count, double left, double right) {
        return count == 1 ? (left + right) / 2 : left + 20 + (right - left - 40) * index / (count - 1.0);
    }

    private static double scale(double value, double max, double length) {
        return max <= 0 ? 0 : value / max * length;
    }

    private static void text(StringBuilder b, double x, double y, String anchor, int size, String s) {
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>%n",
                x, y, anchor, size, s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")));
    }
}
