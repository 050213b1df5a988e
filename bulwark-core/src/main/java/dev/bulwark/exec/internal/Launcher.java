package dev.bulwark.exec.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Starts one attempt's command: no shell, the JVM's working directory, stdin from
 * {@code /dev/null}, stdout and stderr both appended to the item's log file (or discarded), and an
 * environment made of the base given at creation plus the attempt's own variables.
 *
 * <p>{@link #create} picks {@link PosixSpawnLauncher} (one {@code posix_spawn}, the command in a
 * process group of its own) where it is available, else {@link JdkLauncher}.
 *
 * <p>Thread-safe: one launcher serves every attempt of a handler.
 */
public sealed interface Launcher permits PosixSpawnLauncher, JdkLauncher {

    /**
     * The best launcher on this platform.
     *
     * @param base     variables every command gets (the JVM's environment with the handler's extra
     *                 variables applied)
     * @param reserved names removed from {@code base}: only an attempt's own variables may set them
     */
    static Launcher create(Map<String, String> base, Set<String> reserved) {
        return PosixSpawnLauncher.isAvailable() ? new PosixSpawnLauncher(base, reserved) : new JdkLauncher(base, reserved);
    }

    /**
     * Starts {@code argv} with the attempt's variables {@code attemptEnv} (which win over the base).
     *
     * @param output the file stdout and stderr are appended to; null to discard them
     * @throws IOException with the operating system's reason (for example "No such file or
     *                     directory") when the program cannot be started
     */
    Child start(List<String> argv, Map<String, String> attemptEnv, Path output) throws IOException;

    /** Whether started commands get a process group of their own (terminal signals do not reach them). */
    boolean ownGroups();

    /**
     * SIGKILL to the process group of every command started in a group of its own and still
     * running, in this JVM. For a process that exits at once without stopping its attempts.
     */
    static void killAllGroups() {
        if (PosixSpawnLauncher.isAvailable()) {
            PosixSpawnLauncher.killAll();
        }
    }
}
