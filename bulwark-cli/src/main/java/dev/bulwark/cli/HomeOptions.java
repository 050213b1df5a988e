package dev.bulwark.cli;

import dev.bulwark.jdbc.Durability;
import dev.bulwark.ledger.Ledger;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --home}, {@code --store} and {@code --durability}, shared by every command that uses a home. */
public final class HomeOptions {

    @Option(names = "--home", paramLabel = "DIR",
            description = "Bulwark home: the ledger and the logs (default: $BULWARK_HOME, else ./.bulwark).")
    Path home;

    @Option(names = "--durability", paramLabel = "LEVEL", defaultValue = "normal",
            description = "Ledger durability: normal (survives a crash of the process) or full (also survives power loss; slower). Default: ${DEFAULT-VALUE}.")
    Durability durability;

    @Option(names = "--store", paramLabel = "URL",
            description = "The ledger: postgresql://HOST[:PORT]/DB?user=NAME (shared with workers on any machine) or sqlite:PATH "
                    + "(default: $BULWARK_STORE, else the home's own ledger.db).")
    String store;

    /** The store chosen by {@code --store} or {@code $BULWARK_STORE}, or null for the home's own ledger. */
    public Store store() {
        return Store.fromOptionOrEnvironment(store);
    }

    /** Opens the chosen ledger for reading only (the home's works while another process writes it). */
    public Ledger openReader() {
        Store chosen = store();
        return chosen == null ? resolve().openReader() : chosen.openReader();
    }

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
