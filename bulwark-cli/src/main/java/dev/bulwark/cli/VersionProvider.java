package dev.bulwark.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest (or "development" when run from classes). */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"bulwark " + (v == null ? "development" : v) + " (Java " + Runtime.version() + ")"};
    }
}
