package dev.bulwark.cli;

import dev.bulwark.JobCounts;
import dev.bulwark.JobListener;
import dev.bulwark.Progress;
import dev.bulwark.util.Durations;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows progress on standard error: a bar repainted in place on a terminal, otherwise one plain
 * line every few seconds (for logs and CI).
 */
final class ProgressPrinter implements JobListener {
    private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;

    private static final long WIDTH_EVERY_NANOS = 2_000_000_000L;

    private final PrintWriter err;
    private final boolean bar;
    private java.io.PrintStream originalErr;
    private volatile boolean resized;
    private final boolean watchesResize;
    private int columns;
    private long widthReadAt;
    private long lastPlain;
    private boolean painted;
    private String lastBar = "";

    ProgressPrinter(PrintWriter err, boolean bar) {
        this.err = err;
        this.bar = bar;
        this.lastPlain = System.nanoTime();
        boolean watching = false;
        if (bar) {
            this.columns = Terminal.columns();
            this.widthReadAt = System.nanoTime();
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> resized = true);
                watching = true;
            } catch (IllegalArgumentException e) {
                // no SIGWINCH here: the width is read again every two seconds instead
            }
        }
        this.watchesResize = watching;
        if (bar) {
            originalErr = System.err;
            System.setErr(new java.io.PrintStream(new AroundBar(originalErr), true, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /**
     * Standard error while the bar is shown, for other writers (the engine's log warnings): the bar
     * is taken off the line before their text and painted again after it.
     */
    private final class AroundBar extends java.io.OutputStream {
        private final java.io.PrintStream target;

        AroundBar(java.io.PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            synchronized (ProgressPrinter.this) {
                if (bar) {
                    columns(); // a resize first clears what the terminal re-wrapped
                }
                if (painted) {
                    err.print("\r\u001b[K");
                    err.flush();
                }
                target.write(bytes, offset, length);
                target.flush();
                if (painted && length > 0 && bytes[offset + length - 1] == '\n') {
                    err.print("\r" + lastBar + "\u001b[K");
                    err.flush();
                }
            }
        }

        @Override
        public void flush() {
            target.flush();
        }
    }

    /**
     * The width to fit, read again after SIGWINCH (or every two seconds where there is none). When the
     * terminal got narrower than the painted bar, a terminal that re-wraps its lines has spread the
     * bar over several rows and left the cursor below its first: those rows are cleared and the
     * cursor put back where the bar starts.
     */
    private synchronized int columns() {
        long now = System.nanoTime();
        if (resized || (!watchesResize && now - widthReadAt >= WIDTH_EVERY_NANOS)) {
            resized = false;
            widthReadAt = now;
            columns = Terminal.columns();
            if (painted && lastBar.length() >= columns) {
                err.print("\r\u001b[K" + "\u001b[1A\u001b[K".repeat(lastBar.length() / columns));
                err.flush();
            }
        }
        return columns;
    }

    @Override
    public synchronized void onProgress(Progress p) {
        if (bar) {
            lastBar = ProgressLine.fit(p, columns());
            err.print("\r" + lastBar + "\u001b[K");
            err.flush();
            painted = true;
        } else {
            long now = System.nanoTime();
            if (now - lastPlain >= PLAIN_EVERY_NANOS) {
                lastPlain = now;
                err.println("bulwark: " + render(p));
                err.flush();
            }
        }
    }

    /**
     * Runs {@code write} (output on standard output) with the bar taken off the screen, then paints
     * the bar again, so that output lines and the bar never share a line of the terminal.
     */
    synchronized void around(Runnable write) {
        if (bar) {
            columns();
        }
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
        if (originalErr != null) {
            System.setErr(originalErr);
            originalErr = null;
        }
        if (painted) {
            err.println();
            err.flush();
            painted = false;
        }
    }

    /** The plain line (logs and CI: no width to fit). */
    static String render(Progress p) {
        JobCounts c = p.counts();
        StringBuilder sb = new StringBuilder();
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
                    .append(b.openUntil() == null ? " (trial)" : " " + Views.until(b.openUntil())));
            if (p.breakers().size() > 3) {
                sb.append(" +").append(p.breakers().size() - 3);
            }
        }
        sb.append(String.format(Locale.ROOT, " | %.1f/s", p.itemsPerSec()));
        sb.append(" | ETA ").append(p.eta() == null ? "?" : Durations.format(p.eta()));
        return sb.toString();
    }
}
