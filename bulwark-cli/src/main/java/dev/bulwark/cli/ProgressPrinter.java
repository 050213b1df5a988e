package dev.bulwark.cli;

import dev.bulwark.JobCounts;
import dev.bulwark.JobListener;
import dev.bulwark.Progress;
import dev.bulwark.internal.Durations;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows progress on standard error: a bar repainted in place on a terminal, otherwise one plain
 * line every few seconds (for logs and CI).
 */
final class ProgressPrinter implements JobListener {
    private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintWriter err;
    private final boolean bar;
    private long lastPlain;
    private boolean painted;
    private String lastBar = "";

    ProgressPrinter(PrintWriter err, boolean bar) {
        this.err = err;
        this.bar = bar;
        this.lastPlain = System.nanoTime();
    }

    @Override
    public synchronized void onProgress(Progress p) {
        if (bar) {
            lastBar = render(p, true);
            err.print("\r" + lastBar + "\u001b[K");
            err.flush();
            painted = true;
        } else {
            long now = System.nanoTime();
            if (now - lastPlain >= PLAIN_EVERY_NANOS) {
                lastPlain = now;
                err.println("bulwark: " + render(p, false));
                err.flush();
            }
        }
    }

    /**
     * Runs {@code write} (output on standard output) with the bar taken off the screen, then paints
     * the bar again, so that output lines and the bar never share a line of the terminal.
     */
    synchronized void around(Runnable write) {
        if (!painted) {
            write.run();
            return;
        }
        err.print("\r\u001b[K");
        err.flush();
        write.run();
        err.print("\r" + lastBar + "\u001b[K");
        err.flush();
    }

    /** Ends the bar's line before other output. */
    synchronized void finish() {
        if (painted) {
            err.println();
            err.flush();
            painted = false;
        }
    }

    static String render(Progress p, boolean withBar) {
        JobCounts c = p.counts();
        StringBuilder sb = new StringBuilder();
        if (withBar) {
            int filled = (int) Math.round(BAR_WIDTH * p.percent() / 100.0);
            sb.append('[').append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append("] ");
        }
        sb.append(String.format(Locale.ROOT, "%3.0f%% %d/%d", p.percent(), c.done(), c.total()));
        sb.append(" | ok ").append(c.succeeded());
        if (c.failed() > 0) {
            sb.append(" failed ").append(c.failed());
        }
        if (c.skipped() > 0) {
            sb.append(" skipped ").append(c.skipped());
        }
        if (c.retryWait() > 0) {
            sb.append(" waiting to retry ").append(c.retryWait());
        }
        if (c.running() > 0) {
            sb.append(" running ").append(c.running());
        }
        if (!p.breakers().isEmpty()) {
            sb.append(" | open:");
            p.breakers().stream().limit(3).forEach(b -> sb.append(' ').append(Views.printable(b.scope()))
                    .append(b.openUntil() == null ? " (trial)" : " until " + Views.clock(b.openUntil())));
            if (p.breakers().size() > 3) {
                sb.append(" +").append(p.breakers().size() - 3);
            }
        }
        sb.append(String.format(Locale.ROOT, " | %.1f/s", p.itemsPerSec()));
        sb.append(" | ETA ").append(p.eta() == null ? "?" : Durations.format(p.eta()));
        return sb.toString();
    }
}
