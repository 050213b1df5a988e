package dev.bulwark.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The command-line flag of each setting that core's validation names as the Java API does, so a
 * refused value is reported as the user typed it ({@code --job-timeout must be positive, …}).
 */
final class FlagNames {
    /** Settings whose flag is their name in kebab case: {@code jobTimeoutPerItem} is {@code --job-timeout-per-item}. */
    private static final Set<String> KEBAB = Set.of("concurrency", "ordered", "orderedBy", "jobTimeout", "jobTimeoutPerItem",
            "shell", "killGrace", "permanentExit", "criticalExit", "breaker", "breakerOpen");

    /** The settings the command line names otherwise. */
    private static final Map<String, String> OTHER = Map.of("attemptTimeout", "--timeout", "attemptTimeoutPercent", "--timeout",
            "command", "the command after '--'");

    private FlagNames() {
    }

    /** The flag of {@code setting}, or the setting itself when no flag sets it. */
    static String of(String setting) {
        if (KEBAB.contains(setting)) {
            return "--" + setting.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
        }
        return OTHER.getOrDefault(setting, setting);
    }
}
