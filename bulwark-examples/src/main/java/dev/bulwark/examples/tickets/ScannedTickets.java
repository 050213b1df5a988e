package dev.bulwark.examples.tickets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Makes a folder of small "scanned" truck tickets, the same every time (seeded). Ticket n is:
 * unreadable (binary noise) when n is a multiple of 9, missing its weight when n is a multiple
 * of 13 (and not of 9), and on a busy scanner when n is a multiple of 7 (and neither of those):
 * reading it fails twice before it works. The counts follow from those rules. One ticket of a
 * delivery may have been weighed on a weighbridge whose calibration had expired
 * ({@code calibration: expired}): a critical error for the whole delivery.
 */
public final class ScannedTickets {
    static final String[] MATERIALS = {"gravel", "sand", "topsoil", "crushed concrete", "clay"};

    private ScannedTickets() {
    }

    public static boolean unreadable(int n) {
        return n % 9 == 0;
    }

    public static boolean missingWeight(int n) {
        return !unreadable(n) && n % 13 == 0;
    }

    public static boolean busy(int n) {
        return !unreadable(n) && !missingWeight(n) && n % 7 == 0;
    }

    /** Writes tickets 1..count into {@code dir} unless it already holds tickets; returns the folder. */
    public static Path generate(Path dir, int count) throws IOException {
        return generate(dir, 1, count, 0);
    }

    /**
     * Writes tickets {@code first}..{@code first + count - 1} into {@code dir} unless it already
     * holds tickets; ticket {@code expiredCalibration} (0 for none) says its weighbridge's
     * calibration had expired. Returns the folder.
     */
    public static Path generate(Path dir, int first, int count, int expiredCalibration) throws IOException {
        Files.createDirectories(dir);
        try (var existing = Files.list(dir)) {
            if (existing.findAny().isPresent()) {
                return dir;
            }
        }
        Random random = new Random(24105 + first - 1);
        for (int n = first; n < first + count; n++) {
            Path file = dir.resolve(String.format(Locale.ROOT, "ticket-%04d%s.txt", n, busy(n) ? "-busy" : ""));
            if (unreadable(n)) {
                byte[] noise = new byte[64];
                random.nextBytes(noise);
                Files.write(file, noise);
                continue;
            }
            StringBuilder text = new StringBuilder("SCANNED TICKET\n")
                    .append(String.format(Locale.ROOT, "ticket: T-24105-%04d%n", n))
                    .append(String.format(Locale.ROOT, "date: 2026-10-%02d%n", 1 + n % 28))
                    .append(String.format(Locale.ROOT, "truck: TRK-%02d%n", 1 + random.nextInt(20)))
                    .append("material: ").append(MATERIALS[random.nextInt(MATERIALS.length)]).append('\n');
            if (n == expiredCalibration) {
                text.append("calibration: expired\n");
            }
            if (!missingWeight(n)) {
                text.append(String.format(Locale.ROOT, "tons: %d.%02d%n", 5 + random.nextInt(20), random.nextInt(100)));
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        }
        return dir;
    }
}
