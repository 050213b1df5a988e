package dev.bulwark.exec;

import dev.bulwark.ValidationException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the {@code exec} handler runs for each item: a command as argv (never through a shell
 * unless {@code shell} is set), and how its exit codes are classified.
 *
 * @param command       the command and its arguments, with placeholders ({@code {}}, {@code {/}}, …)
 * @param shell         run {@code sh -c COMMAND} with the item as positional parameter {@code $1}
 * @param permanentExit exit codes that are permanent failures (not retried)
 * @param criticalExit  exit codes that are critical failures (the job stops)
 * @param killGrace     time between TERM and KILL when an attempt is stopped
 * @param outputCap     bytes of output kept in an item's log per attempt
 */
public record ExecSpec(List<String> command, boolean shell, Set<Integer> permanentExit, Set<Integer> criticalExit,
                       Duration killGrace, long outputCap) {

    public static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(5);
    public static final long DEFAULT_OUTPUT_CAP = 1024 * 1024;

    public ExecSpec {
        Objects.requireNonNull(command, "command");
        ValidationException.require(!command.isEmpty() && !command.get(0).isBlank(), "command",
                "must name a program to run, but was empty");
        command = List.copyOf(command);
        ValidationException.require(!shell || command.size() == 1, "shell",
                "takes the script as one argument (quote it), but got " + command.size() + " arguments");
        permanentExit = permanentExit == null ? Set.of() : Set.copyOf(permanentExit);
        criticalExit = criticalExit == null ? Set.of() : Set.copyOf(criticalExit);
        killGrace = killGrace == null ? DEFAULT_KILL_GRACE : killGrace;
        ValidationException.require(!killGrace.isNegative(), "killGrace", "must not be negative, but was " + killGrace);
        ValidationException.require(outputCap > 0, "outputCap", "must be positive, but was " + outputCap);
        for (Integer code : permanentExit) {
            ValidationException.require(code > 0 && code < 256, "permanentExit",
                    "codes must be between 1 and 255, but got " + code);
            ValidationException.require(!criticalExit.contains(code), "permanentExit",
                    "and criticalExit cannot both hold exit code " + code);
        }
        for (Integer code : criticalExit) {
            ValidationException.require(code > 0 && code < 256, "criticalExit",
                    "codes must be between 1 and 255, but got " + code);
        }
    }

    /** A spec with defaults for everything but the command. */
    public static ExecSpec of(List<String> command) {
        return new ExecSpec(command, false, Set.of(), Set.of(), DEFAULT_KILL_GRACE, DEFAULT_OUTPUT_CAP);
    }
}
