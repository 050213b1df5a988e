package dev.bulwark.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command that works on a Bulwark home has: {@code --home}, {@code --store} and
 * {@code --durability} (declared first, so they lead its help), and the writers of its command line.
 */
abstract class HomeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOptions homeOptions;

    /** Where the command's results go (standard output, or the writer of an embedding program). */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Where the command's messages go (standard error, or the writer of an embedding program). */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
