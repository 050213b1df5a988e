package dev.bulwark.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bulwark bench} when the benchmark module is not on the class path (a release): says where
 * the benchmark is instead of "unknown command". The real command is in {@code bulwark-bench}.
 */
@Command(name = "bench", hidden = true,
        description = "The throughput benchmark; not part of a release (run ./bulwark bench in a source checkout).")
final class BenchMissingCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Whatever options were given for the real command: not checked, the answer is the same. */
    @Unmatched
    java.util.List<String> ignored;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("bulwark: bench is not part of this build: the benchmarks live in the "
                + "bulwark-bench module; in a source checkout run ./bulwark bench (see docs/benchmarks.md)");
        return ExitCodes.USAGE;
    }
}
