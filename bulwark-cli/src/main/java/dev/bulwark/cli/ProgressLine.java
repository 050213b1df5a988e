package dev.bulwark.cli;

import dev.bulwark.JobCounts;
import dev.bulwark.Progress;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.util.Durations;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The progress bar's line, fitted to the terminal's width so that it never wraps (a wrapped line
 * cannot be repainted in place, and each redraw would leave a copy). Short labels; when the line
 * is still too wide, parts are dropped in a fixed order: the bar (first shrunk to 10 columns), the
 * breaker details (kept as a count), the rate, the running count, the ETA, the retry-wait count,
 * the skipped count; what is left is cut.
 */
final class ProgressLine {
    private static final int BAR_MAX = 24;
    private static final int BAR_MIN = 10;

    private ProgressLine() {
    }

    /** The line for {@code p} in at most {@code columns - 1} characters (the last column is left free: some terminals wrap there). */
    static String fit(Progress p, int columns) {
        int width = Math.max(columns - 1, 10);
        JobCounts c = p.counts();
        String head = String.format(Locale.ROOT, "%3.0f%% %d/%d", p.percent(), c.done(), c.total());
        String ok = "ok " + c.succeeded();
        String failed = c.failed() > 0 ? "fail " + c.failed() : null;
        String skipped = c.skipped() > 0 ? "skip " + c.skipped() : null;
        String retry = c.retryWait() > 0 ? "retry " + c.retryWait() : null;
        String running = c.running() > 0 ? "run " + c.running() : null;
        String breakers = breakers(p.breakers());
        String openCount = p.breakers().isEmpty() ? null : "open " + p.breakers().size();
        String rate = String.format(Locale.ROOT, "%.1f/s", p.itemsPerSec());
        String eta = "ETA " + (p.eta() == null ? "?" : Durations.format(p.eta()));
        boolean bar;
        // each step drops one more part; the first that fits is drawn
        for (int step = 0; step <= 7; step++) {
            List<String> counts = new ArrayList<>();
            counts.add(ok);
            add(counts, failed);
            add(counts, step < 7 ? skipped : null);
            add(counts, step < 6 ? retry : null);
            add(counts, step < 4 ? running : null);
            List<String> parts = new ArrayList<>();
            parts.add(head);
            parts.add(String.join(" ", counts));
            add(parts, step < 2 ? breakers : openCount);
            add(parts, step < 3 ? rate : null);
            add(parts, step < 5 ? eta : null);
            String text = String.join(" | ", parts);
            bar = step < 1;
            if (bar) {
                int room = width - text.length() - 3;
                if (room >= BAR_MIN) {
                    int size = Math.min(BAR_MAX, room);
                    int filled = (int) Math.round(size * p.percent() / 100.0);
                    return "[" + "#".repeat(filled) + "-".repeat(size - filled) + "] " + text;
                }
                continue;
            }
            if (text.length() <= width) {
                return text;
            }
        }
        String last = head + " | " + ok + (failed == null ? "" : " " + failed);
        return last.length() <= width ? last : last.substring(0, width);
    }

    private static String breakers(List<BreakerStatus> open) {
        if (open.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder("open:");
        open.stream().limit(2).forEach(b -> sb.append(' ').append(Views.printable(b.scope()))
                .append(b.openUntil() == null ? " (trial)" : " " + Views.until(b.openUntil())));
        if (open.size() > 2) {
            sb.append(" +").append(open.size() - 2);
        }
        return sb.toString();
    }

    private static void add(List<String> list, String part) {
        if (part != null) {
            list.add(part);
        }
    }
}
