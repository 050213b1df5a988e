package dev.bulwark.cli;

import dev.bulwark.jdbc.Durability;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --home} and {@code --durability}, shared by every command that uses a home. */
public final class HomeOptions {

    @Option(names = "--home", paramLabel = "DIR",
            description = "Bulwark home: the ledger and the logs (default: $BULWARK_HOME, else ./.bulwark).")
    Path home;

    @Option(names = "--durability", paramLabel = "LEVEL", defaultValue = "normal",
            description = "Ledger durability: normal (survives a crash of the process) or full (also survives power loss; slower). Default: ${DEFAULT-VALUE}.")
    Durability durability;

    /** The home directory chosen by the option, the environment or the default. */
    public Home resolve() {
        Path dir = home;
        if (dir == null) {
            String env = System.getenv("BULWARK_HOME");
            dir = env == null || env.isBlank() ? Path.of(".bulwark") : Path.of(env);
        }
        return new Home(dir, durability == null ? Durability.NORMAL : durability);
    }
}
