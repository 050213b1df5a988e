package dev.bulwark.cli;

import dev.bulwark.JobConfig;
import dev.bulwark.RetryPolicy;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.exec.ExecSpec;
import dev.bulwark.util.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.Option;

/**
 * The run policies {@code resume} and {@code retry-failed} may change: those that do not change
 * what an item is (its command, input, scope and error classes stay). A change becomes a new
 * revision of the job's configuration snapshot, recorded in the ledger with a
 * {@code config_revised} event.
 */
public final class PolicyOverrides {
    /** The event that records a revision ({@link dev.bulwark.EngineEvent.ConfigRevised}). */
    static final String CONFIG_REVISED = dev.bulwark.EngineEvent.CONFIG_REVISED;

    @Option(names = {"--concurrency", "-j"}, paramLabel = "N|N%", description = "New concurrency for the job (N, or N%% of the processors).")
    String concurrency;

    @Option(names = "--retries", paramLabel = "N", description = "New number of retries after a transient failure (0-999).")
    Integer retries;

    @Option(names = "--backoff", paramLabel = "DURATION", description = "New delay before the first retry.")
    String backoff;

    @Option(names = "--backoff-max", paramLabel = "DURATION", description = "New longest delay between retries.")
    String backoffMax;

    @Option(names = "--timeout", paramLabel = "DURATION|N%|none", description = "New time limit per attempt, as for run (none: no limit).")
    String timeout;

    @Option(names = "--kill-grace", paramLabel = "DURATION", description = "New time between TERM and KILL.")
    String killGrace;

    @Option(names = "--breaker", paramLabel = "SPEC|none", description = "New circuit breaker policy (as for run), or none.")
    String breaker;

    @Option(names = "--breaker-open", paramLabel = "SPEC", description = "New open time of the breakers, as DURATION[,grow=F,max=DURATION] (as for run).")
    String breakerOpen;

    @Option(names = "--breaker-trials", paramLabel = "N", description = "New number of half-open trial calls.")
    Integer breakerTrials;

    @Option(names = "--on-open", paramLabel = "pause|halt|fail", description = "New behaviour when a scope's breaker opens.")
    String onOpen;

    /** A revised configuration and what changed, as {@code name: before -> after}. */
    record Revision(JobConfig config, Map<String, String> changes) {
    }

    boolean any() {
        return concurrency != null || retries != null || backoff != null || backoffMax != null || timeout != null
                || killGrace != null || breaker != null || breakerOpen != null || breakerTrials != null || onOpen != null;
    }

    /** {@code current} with these overrides, checked like run checks them; the changes are empty when nothing differs. */
    Revision apply(JobConfig current) {
        Map<String, String> changes = new LinkedHashMap<>();
        int newConcurrency = concurrency == null ? current.concurrency() : RunCommand.checkedConcurrency(concurrency);
        ValidationException.require(!current.ordered() || newConcurrency == 1, "the job runs --ordered, so its concurrency stays 1");
        note(changes, "concurrency", current.concurrency(), newConcurrency);

        RetryPolicy retry = current.retry();
        int newRetries = retries == null ? retry.retries() : retries;
        RunCommand.checkRetries(newRetries);
        Duration initial = backoff == null ? retry.initialDelay() : Durations.parse(backoff, "--backoff");
        Duration max = backoffMax == null ? retry.maxDelay() : Durations.parse(backoffMax, "--backoff-max");
        RunCommand.checkBackoff(initial, max, Durations.format(initial), Durations.format(max));
        RetryPolicy newRetry = new RetryPolicy(newRetries + 1, initial, max, retry.multiplier(), retry.jitter());
        note(changes, "retries", retry.retries(), newRetries);
        note(changes, "backoff", Durations.format(retry.initialDelay()), Durations.format(initial));
        note(changes, "backoff-max", Durations.format(retry.maxDelay()), Durations.format(max));

        TimeoutSpec newTimeout = TimeoutSpec.of(current);
        if (timeout != null) {
            newTimeout = timeout.equalsIgnoreCase("none") ? TimeoutSpec.NONE : TimeoutSpec.parse(timeout);
        }
        note(changes, "timeout", TimeoutSpec.of(current).describe(), newTimeout.describe());

        ExecSpec exec = current.exec();
        if (killGrace != null && exec != null) {
            Duration grace = Durations.parse(killGrace, "--kill-grace");
            note(changes, "kill-grace", Durations.format(exec.killGrace()), Durations.format(grace));
            exec = new ExecSpec(exec.command(), exec.shell(), exec.permanentExit(), exec.criticalExit(), grace, exec.outputCap());
        }

        BreakerConfig newBreaker = breaker(current.breaker());
        note(changes, "breaker", describe(current.breaker()), describe(newBreaker));

        JobConfig revised = new JobConfig(newConcurrency, current.ordered(), newRetry, newTimeout.duration(), current.failureThreshold(), exec,
                current.input(), newBreaker, current.halt(), current.jobTimeout(), current.jobTimeoutPerItem(),
                current.stopOnFirstFailure(), current.rollback(), current.compensate(), newTimeout.percent(), current.orderedBy());
        return new Revision(revised, changes);
    }

    private BreakerConfig breaker(BreakerConfig current) {
        if (breaker != null && breaker.equalsIgnoreCase("none")) {
            ValidationException.require(breakerOpen == null && breakerTrials == null && onOpen == null,
                    "--breaker none removes the breaker: leave out --breaker-open, --breaker-trials and --on-open");
            return null;
        }
        if (breaker == null && current == null) {
            ValidationException.require(breakerOpen == null && breakerTrials == null && onOpen == null,
                    "the job has no breaker: give --breaker SPEC to add one");
            return null;
        }
        BreakerPolicy policy = RunCommand.refined(breaker != null ? BreakerPolicy.parse(breaker) : current.policy(), breakerOpen,
                breakerTrials);
        BreakerConfig.OnOpen mode = onOpen != null ? Options.choice(onOpen, "--on-open", BreakerConfig.OnOpen.class)
                : current != null ? current.onOpen() : BreakerConfig.OnOpen.PAUSE;
        return new BreakerConfig(policy, mode, current == null ? null : current.scope(), current != null && current.shared());
    }

    private static String describe(BreakerConfig b) {
        return b == null ? "none" : b.policy() + ", open " + b.policy().describeOpen() + ", trials "
                + b.policy().trials() + ", on open " + b.onOpen().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static void note(Map<String, String> changes, String name, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            changes.put(name, before + " -> " + after);
        }
    }
}
