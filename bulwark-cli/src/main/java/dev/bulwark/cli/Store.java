package dev.bulwark.cli;

import dev.bulwark.NotFoundException;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.Durability;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.Ledger;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where a command's ledger lives, from {@code --store}: a shared PostgreSQL database
 * ({@code postgresql://HOST[:PORT]/DB?user=NAME}, the one workers share) or an SQLite file
 * ({@code sqlite:PATH}). Without {@code --store} commands use the embedded ledger of their home.
 *
 * @param postgres true for PostgreSQL, false for SQLite
 * @param location the PostgreSQL URL as given, or the SQLite file
 */
public record Store(boolean postgres, String location) {
    private static final Pattern PASSWORD = Pattern.compile("(?i)([?&]password=)[^&]*");
    private static final String FORMS = "postgresql://HOST[:PORT]/DATABASE?user=NAME or sqlite:PATH";

    /** Reads a {@code --store} value; the message of a bad one names it (password masked) and the accepted forms. */
    public static Store parse(String value) {
        ValidationException.require(value != null && !value.isBlank(), "--store must be " + FORMS + ", but was empty");
        String v = value.strip();
        if (v.startsWith("sqlite:")) {
            String path = v.substring("sqlite:".length());
            ValidationException.require(!path.isBlank(), "--store 'sqlite:' needs a file: sqlite:PATH");
            return new Store(false, path);
        }
        String url = v.startsWith("jdbc:") ? v.substring("jdbc:".length()) : v;
        if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
            checkPostgres(url, masked(v));
            return new Store(true, url.startsWith("postgres://") ? "postgresql://" + url.substring("postgres://".length()) : url);
        }
        throw new ValidationException("--store must be " + FORMS + ", but was '" + masked(v) + "'");
    }

    private static void checkPostgres(String url, String shown) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ValidationException("--store '" + shown + "' is not a valid URL (" + e.getReason()
                    + "); expected postgresql://HOST[:PORT]/DATABASE?user=NAME");
        }
        ValidationException.require(uri.getHost() != null && !uri.getHost().isBlank(),
                "--store '" + shown + "' names no host; expected postgresql://HOST[:PORT]/DATABASE?user=NAME");
        ValidationException.require(uri.getPort() == -1 || (uri.getPort() >= 1 && uri.getPort() <= 65535),
                "--store '" + shown + "': the port must be between 1 and 65535, but was " + uri.getPort());
        String path = uri.getPath();
        ValidationException.require(path != null && path.length() > 1 && path.indexOf('/', 1) < 0,
                "--store '" + shown + "' names no database; expected postgresql://HOST[:PORT]/DATABASE?user=NAME");
    }

    /** The store from {@code --store}, else {@code $BULWARK_STORE}, else null (the home's own ledger). */
    static Store fromOptionOrEnvironment(String option) {
        if (option != null) {
            return parse(option);
        }
        String env = System.getenv("BULWARK_STORE");
        return env == null || env.isBlank() ? null : parse(env);
    }

    /** {@code text} with any password parameter masked. */
    static String masked(String text) {
        return PASSWORD.matcher(text).replaceAll("$1***");
    }

    /** Opens the ledger for reading and writing. */
    public Ledger openWriter(Durability durability) {
        return postgres ? openPostgres() : SqliteLedger.open(Path.of(location), durability);
    }

    /** Opens the ledger for reading; an SQLite file must exist. */
    public Ledger openReader() {
        if (postgres) {
            return openPostgres();
        }
        Path file = Path.of(location);
        if (!Files.exists(file)) {
            throw new NotFoundException("no Bulwark ledger at " + file.toAbsolutePath() + " (--store sqlite:" + location + ")");
        }
        return SqliteLedger.openReadOnly(file);
    }

    /** Opens the shared PostgreSQL ledger (creating or upgrading its tables). */
    public PostgresLedger openPostgres() {
        return openPostgres(null);
    }

    /**
     * Opens the shared PostgreSQL ledger with a server setting for every session (unless the URL
     * sets {@code options} itself), for example {@code idle_in_transaction_session_timeout=2000}.
     */
    public PostgresLedger openPostgres(String sessionSetting) {
        return openPostgres(sessionSetting, java.util.Map.of());
    }

    /**
     * Opens the shared PostgreSQL ledger as {@link #openPostgres(String)} does, with more defaults
     * for the driver (such as a worker's network timeouts); parameters of the URL win.
     */
    public PostgresLedger openPostgres(String sessionSetting, java.util.Map<String, String> driverDefaults) {
        if (!postgres) {
            throw new ValidationException("this needs a shared PostgreSQL ledger: --store postgresql://HOST[:PORT]/DATABASE?user=NAME, "
                    + "but --store was sqlite:" + location);
        }
        if (sessionSetting == null || location.contains("options=")) {
            return PostgresLedger.open(location, driverDefaults);
        }
        String option = "options=" + URLEncoder.encode("-c " + sessionSetting, StandardCharsets.UTF_8).replace("+", "%20");
        return PostgresLedger.open(location + (location.contains("?") ? "&" : "?") + option, driverDefaults);
    }

    @Override
    public String toString() {
        return postgres ? masked(location) : "sqlite:" + location;
    }
}
