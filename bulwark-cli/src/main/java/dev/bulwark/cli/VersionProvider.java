package dev.bulwark.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version from the jar manifest ("development" when run from classes) and the commit the build
 * was made from: {@code build-commit.properties}, written at build time by git-commit-id-maven-plugin
 * ("unknown" when the sources were built without git, e.g. from a source archive).
 */
final class VersionProvider implements IVersionProvider {
    static final String COMMIT_RESOURCE = "build-commit.properties";

    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"bulwark " + (v == null ? "development" : v) + " (commit " + commit()
                + ", Java " + Runtime.version() + ")"};
    }

    /** The abbreviated commit id, or "unknown". */
    static String commit() {
        try (InputStream in = VersionProvider.class.getResourceAsStream(COMMIT_RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String id = p.getProperty("git.commit.id.abbrev", "").trim();
            return id.isEmpty() ? "unknown" : id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + COMMIT_RESOURCE + " from the bulwark jar", e);
        }
    }
}
