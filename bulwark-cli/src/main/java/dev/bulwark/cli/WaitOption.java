package dev.bulwark.cli;

import dev.bulwark.util.Durations;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --wait}: how long {@code cancel}, {@code pause} and {@code breaker reset} wait for the
 * process that runs the job (on this machine, or anywhere for a shared ledger) to take the request.
 */
final class WaitOption {
    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long to wait for the process that runs the job to take the request. Default: ${DEFAULT-VALUE}.")
    String wait;

    Duration get() {
        return Durations.parse(wait, "--wait");
    }
}
