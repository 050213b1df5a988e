package dev.bulwark.cli;

import dev.bulwark.ValidationException;
import picocli.CommandLine.Option;

/**
 * The options of one run of a job (run, resume, retry-failed) that are not part of its configuration
 * snapshot: where the commands' output goes ({@code --output}, {@code --line-buffer}, {@code --tag}),
 * the joblog, and the spacing of starts ({@code --delay}, {@code --rate}).
 */
public final class OutputOptions {
    @Option(names = "--output", paramLabel = "group|line|log", description = "The commands' output, always kept in the item logs, "
            + "is also printed on standard output: group prints each item's output as one block when the item ends "
            + "(of the attempt that ended it), line prints lines as they are written, log prints nothing. Default: group.")
    String output;

    @Option(names = "--line-buffer", description = "Same as --output line: for long-running commands.")
    boolean lineBuffer;

    @Option(names = "--tag", description = "Start each printed output line with the item's key and a tab.")
    boolean tag;

    @Option(names = "--joblog", paramLabel = "FILE", description = "Also write one line per finished attempt to FILE in GNU parallel's "
            + "joblog format (appended to when FILE exists).")
    java.nio.file.Path joblog;

    @Option(names = "--delay", paramLabel = "DURATION", description = "At least this long between the starts of two attempts "
            + "(this run; not kept for resume).")
    String delay;

    @Option(names = "--rate", paramLabel = "N/s", description = "At most N attempt starts per second (or /m, /h) for the job "
            + "(this run; not kept for resume).")
    String rate;

    @Option(names = "--rate-per-scope", paramLabel = "N/s", description = "At most N attempt starts per second (or /m, /h) "
            + "for each scope (this run; not kept for resume).")
    String scopeRate;

    /** The handler with --delay and --rate applied (checked when the options are read). */
    dev.bulwark.ItemHandler paced(dev.bulwark.ItemHandler handler) {
        return StartPacer.pace(handler, delay, rate, scopeRate);
    }

    /** Refuses bad values of these options, before anything is stored. */
    void check() {
        mode();
        paced(ctx -> null);
    }

    OutputMode mode() {
        ValidationException.require(!lineBuffer || output == null || Options.choice(output, "--output", OutputMode.class) == OutputMode.LINE,
                "--line-buffer is --output line, but --output was '" + output + "'");
        if (lineBuffer) {
            return OutputMode.LINE;
        }
        return output == null ? OutputMode.GROUP : Options.choice(output, "--output", OutputMode.class);
    }

    boolean tag() {
        return tag;
    }
}
