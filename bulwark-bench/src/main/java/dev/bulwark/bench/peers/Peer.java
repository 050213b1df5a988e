package dev.bulwark.bench.peers;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One runner of the peer harness: runs {@code items} no-op items with {@code threads} threads on a
 * fresh store and reports how long it took, from the first item submitted to the last outcome
 * stored. Each run happens in a JVM of its own ({@link PeersMain} starts one per run).
 */
interface Peer {

    /** The runner's name in the results. */
    String name();

    /** Whether the harness runs this runner on {@code store} ({@code sqlite} or {@code postgresql}); both by default. */
    default boolean supports(String store) {
        return true;
    }

    /** Runs once; the target is fresh and empty, and is removed by the caller afterwards. */
    PeerResult run(Target target, long items, int threads) throws Exception;

    /**
     * Where a run stores its state.
     *
     * @param store   {@code sqlite} or {@code postgresql}
     * @param file    the SQLite file (does not exist yet), for {@code sqlite}
     * @param jdbcUrl the JDBC URL of a fresh schema, for {@code postgresql}
     */
    record Target(String store, Path file, String jdbcUrl) {
        boolean postgres() {
            return store.equals("postgresql");
        }
    }

    /** The version in the name of the jar {@code type} came from ({@code name-1.2.3.jar}), or {@code ?}. */
    static String versionOf(Class<?> type) {
        String v = type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try {
            String path = type.getProtectionDomain().getCodeSource().getLocation().getPath();
            Matcher m = Pattern.compile("-(\\d[^/]*)\\.jar$").matcher(path);
            return m.find() ? m.group(1) : "?";
        } catch (RuntimeException e) {
            return "?";
        }
    }
}
