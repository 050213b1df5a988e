package dev.bulwark.cli;

import dev.bulwark.ValidationException;
import picocli.CommandLine.Option;

/** {@code --output}, {@code --line-buffer} and {@code --tag}: where the commands' output goes, for run, resume and retry-failed. */
public final class OutputOptions {
    @Option(names = "--output", paramLabel = "group|line|log", description = "The commands' output, always kept in the item logs, "
            + "is also printed on standard output: group prints each item's output as one block when the item ends "
            + "(of the attempt that ended it), line prints lines as they are written, log prints nothing. Default: group.")
    String output;

    @Option(names = "--line-buffer", description = "Same as --output line: for long-running commands.")
    boolean lineBuffer;

    @Option(names = "--tag", description = "Start each printed output line with the item's key and a tab.")
    boolean tag;

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
