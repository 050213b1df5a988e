package dev.bulwark.cli;

import dev.bulwark.BulwarkException;
import dev.bulwark.NotFoundException;
import dev.bulwark.ValidationException;
import java.io.PrintWriter;
import java.util.ServiceLoader;
import picocli.CommandLine;

/** Entry point of the {@code bulwark} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs one command line and returns its exit code (no {@code System.exit}). */
    public static int execute(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    /** Runs one command line with the given output and error writers (for tests and embedding). */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = commandLine();
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BulwarkCommand());
        for (PluggableCommand command : ServiceLoader.load(PluggableCommand.class, Main.class.getClassLoader())) {
            cli.addSubcommand(command);
        }
        if (!cli.getSubcommands().containsKey("bench")) {
            cli.addSubcommand(new BenchMissingCommand());
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // Everything after the command's first word belongs to the command: bulwark run ... -- gzip -k {}
        cli.getSubcommands().get("run").setStopAtPositional(true);
        cli.getSubcommands().get("submit").setStopAtPositional(true);
        cli.setExitCodeExceptionMapper(Main::exitCodeOf);
        cli.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && unmatched.getCommandLine().getParent() == null
                    && !unmatched.getUnmatched().isEmpty() && !unmatched.getUnmatched().get(0).startsWith("-")) {
                String word = unmatched.getUnmatched().get(0);
                err.println("bulwark: '" + word + "' is not a bulwark command");
                String nearest = Typos.nearest(word, ex.getCommandLine().getSubcommands().keySet());
                if (nearest != null && unmatched.getSuggestions().isEmpty()) {
                    err.println("Did you mean: bulwark " + nearest + "?");
                }
            } else {
                err.println("bulwark: " + ex.getMessage());
            }
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for the options.");
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof ValidationException v) {
                err.println("bulwark: " + v.messageNaming(FlagNames::of));
            } else if (ex instanceof BulwarkException) {
                err.println("bulwark: " + ex.getMessage());
            } else {
                err.println("bulwark: internal error: " + ex);
                ex.printStackTrace(err);
            }
            err.flush();
            return exitCodeOf(ex);
        });
        return cli;
    }

    private static int exitCodeOf(Throwable ex) {
        if (ex instanceof ValidationException || ex instanceof NotFoundException
                || ex instanceof CommandLine.ParameterException) {
            return ExitCodes.USAGE;
        }
        if (ex instanceof BulwarkException) {
            return ExitCodes.UNAVAILABLE;
        }
        return ExitCodes.INTERNAL;
    }
}
