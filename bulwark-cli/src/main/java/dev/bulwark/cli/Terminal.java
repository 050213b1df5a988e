package dev.bulwark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether standard error (for the live progress bar) or output is a terminal, and how wide it is. */
final class Terminal {
    private Terminal() {
    }

    static boolean stderrIsTerminal() {
        if (System.getenv("BULWARK_PROGRESS_BAR") != null) {
            return true;
        }
        return isTerminal(2);
    }

    /** Whether standard output is a terminal (binary output is refused there). */
    static boolean stdoutIsTerminal() {
        return isTerminal(1);
    }

    private static boolean isTerminal(int descriptor) {
        Path fd = Path.of("/proc/self/fd/" + descriptor);
        if (Files.exists(fd)) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return System.console() != null;
    }

    /**
     * The width of the controlling terminal in columns: asked of {@code stty size} on
     * {@code /dev/tty}, else {@code $COLUMNS}, else {@value #DEFAULT_COLUMNS}.
     */
    static int columns() {
        try {
            Process stty = new ProcessBuilder("stty", "size").redirectInput(new java.io.File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String answer = new String(stty.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
            if (stty.waitFor() == 0 && answer.matches("\\d+ \\d+")) {
                int columns = Integer.parseInt(answer.substring(answer.indexOf(' ') + 1));
                if (columns > 0) {
                    return columns;
                }
            }
        } catch (IOException e) {
            // no controlling terminal, or no stty: fall back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String env = System.getenv("COLUMNS");
        if (env != null && env.matches("\\d{1,4}") && Integer.parseInt(env) > 0) {
            return Integer.parseInt(env);
        }
        return DEFAULT_COLUMNS;
    }

    static final int DEFAULT_COLUMNS = 80;
}
