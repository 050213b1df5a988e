package dev.bulwark.cli;

import dev.bulwark.ValidationException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the program a command starts, the way the system will look it up ({@code PATH}, or a
 * path relative to the current directory), so that a command that cannot start is refused before
 * a job is stored rather than failing every item.
 */
final class Programs {
    private Programs() {
    }

    /**
     * Throws {@link ValidationException} when {@code command}'s program cannot be started. A program
     * that holds a placeholder is checked per item when it runs. {@code args} is the whole command
     * line, used to tell when the program looks like a stray option value.
     */
    static void requireRunnable(List<String> command, List<String> args, String path) {
        String program = command.get(0);
        if (program.contains("{")) {
            return;
        }
        String problem = problem(program, path);
        if (problem == null) {
            return;
        }
        throw new ValidationException(problem + hint(command, args) + "; nothing was stored");
    }

    private static String problem(String program, String path) {
        if (program.isEmpty()) {
            return "the command's program is an empty word";
        }
        if (program.indexOf('/') >= 0) {
            Path file;
            try {
                file = Path.of(program);
            } catch (InvalidPathException e) {
                return "cannot start program '" + Views.printable(program) + "': not a valid path";
            }
            if (!Files.exists(file)) {
                return "cannot start program '" + Views.printable(program) + "': no such file (relative to "
                        + Path.of("").toAbsolutePath() + ")";
            }
            if (Files.isDirectory(file) || !Files.isExecutable(file)) {
                return "cannot start program '" + Views.printable(program) + "': " + (Files.isDirectory(file)
                        ? "it is a directory" : "not executable (chmod +x " + ShellQuote.quote(program) + ")");
            }
            return null;
        }
        for (String dir : (path == null ? "" : path).split(File.pathSeparator, -1)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return null;
            }
        }
        return "cannot start program '" + Views.printable(program) + "': not found on PATH";
    }

    /** A hint when the command starts right after an option's value: the option was probably given two words. */
    private static String hint(List<String> command, List<String> args) {
        int start = args.size() - command.size();
        if (start < 2 || !args.subList(start, args.size()).equals(command)) {
            return "";
        }
        String option = args.get(start - 2);
        String value = args.get(start - 1);
        if (!option.startsWith("-") || option.contains("=") || value.startsWith("-")) {
            return "";
        }
        return " ('" + Views.printable(command.get(0)) + "' follows " + option + " " + Views.printable(value)
                + ": an option takes one word, so it was taken as the command; write the value as one word or quote it"
                + (option.equals("--timeout") || option.contains("backoff") || option.contains("grace")
                ? ", e.g. " + option + " " + value + "m" : "")
                + ", and put the command after --)";
    }
}
