package dev.bulwark.cli;

/**
 * A {@code bulwark} subcommand that lives outside the shipped jar and is found on the class path
 * through {@link java.util.ServiceLoader} (listed in {@code META-INF/services/dev.bulwark.cli.PluggableCommand}).
 *
 * <p>An implementation is a picocli {@code @Command} class with a public no-argument constructor. The
 * benchmark module provides {@code bench} this way, so the released jar carries no benchmark code
 * while {@code ./bulwark bench} in a source checkout still works (the launcher adds the benchmark jar
 * to the class path for that command only).
 */
public interface PluggableCommand {
}
