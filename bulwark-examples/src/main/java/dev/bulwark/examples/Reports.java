package dev.bulwark.examples;

import dev.bulwark.BatchResult;
import dev.bulwark.Item;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The end-of-run report the examples print: counts, rate, duration, failure categories and the review queue. */
public final class Reports {

    private Reports() {
    }

    /** Prints the job's status line, counts, success rate, failures by category and the review queue. */
    public static void summary(String example, BatchResult result) {
        System.out.printf(Locale.ROOT, "%s: job %s (%s) %s in %.1fs%s%n", example, result.jobId(), result.job().name(),
                result.status(), result.duration().toMillis() / 1000.0, result.reason() == null ? "" : ": " + result.reason());
        System.out.printf(Locale.ROOT, "  items %d, succeeded %d, failed %d, skipped %d, retries %d, success rate %.1f%%%n",
                result.total(), result.succeeded(), result.failed(), result.skipped(), result.retries(), result.successRate());
        Map<String, Long> byCategory = result.failures().collect(Collectors.groupingBy(Item::category, TreeMap::new, Collectors.counting()));
        if (!byCategory.isEmpty()) {
            System.out.println("  failures by category: " + byCategory.entrySet().stream()
                    .map(en -> en.getKey() + " " + en.getValue()).collect(Collectors.joining(", ")));
            System.out.println("  review queue:");
            result.failures().forEach(i -> System.out.println("    #" + i.seq() + " " + i.key() + "  [" + i.category() + "] " + i.message()));
        }
    }

    /** Deletes a directory and everything in it; nothing when it does not exist. */
    public static void deleteTree(java.nio.file.Path dir) throws java.io.IOException {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }

    /** Cents as an amount with two decimals. */
    public static String money(long cents) {
        return String.format(Locale.ROOT, "%d.%02d", cents / 100, cents % 100);
    }
}
