package dev.bulwark.cli;

import java.util.Map;

/**
 * The command-line flag of each setting that core's validation names as the Java API does, so a
 * refused value is reported as the user typed it ({@code --job-timeout must be positive, …}).
 */
final class FlagNames {
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("concurrency", "--concurrency"),
            Map.entry("ordered", "--ordered"),
            Map.entry("orderedBy", "--ordered-by"),
            Map.entry("attemptTimeout", "--timeout"),
            Map.entry("attemptTimeoutPercent", "--timeout"),
            Map.entry("jobTimeout", "--job-timeout"),
            Map.entry("jobTimeoutPerItem", "--job-timeout-per-item"),
            Map.entry("command", "the command after '--'"),
            Map.entry("shell", "--shell"),
            Map.entry("killGrace", "--kill-grace"),
            Map.entry("permanentExit", "--permanent-exit"),
            Map.entry("criticalExit", "--critical-exit"),
            Map.entry("breaker", "--breaker"),
            Map.entry("breakerOpen", "--breaker-open"));

    private FlagNames() {
    }

    /** The flag of {@code setting}, or the setting itself when no flag sets it. */
    static String of(String setting) {
        return FLAGS.getOrDefault(setting, setting);
    }
}
