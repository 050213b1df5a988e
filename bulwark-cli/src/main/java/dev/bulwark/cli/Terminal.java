package dev.bulwark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether standard error is a terminal (for the live progress bar). */
final class Terminal {
    private Terminal() {
    }

    static boolean stderrIsTerminal() {
        if (System.getenv("BULWARK_PROGRESS_BAR") != null) {
            return true;
        }
        Path fd = Path.of("/proc/self/fd/2");
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
}
