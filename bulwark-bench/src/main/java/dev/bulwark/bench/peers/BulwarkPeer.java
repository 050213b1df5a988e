package dev.bulwark.bench.peers;

import dev.bulwark.bench.NoopBench;
import dev.bulwark.jdbc.Durability;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.Ledger;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Properties;

/**
 * Bulwark: the {@code bulwark bench} run ({@link NoopBench}), one job whose items succeed at once,
 * the job's concurrency being the thread count. SQLite at the given durability ({@code full} in
 * the side-by-side runs: every commit synced, as the peers' {@code synchronous=FULL}); PostgreSQL
 * through the engine in this process on the shared ledger.
 */
final class BulwarkPeer implements Peer {
    private final Durability durability;

    BulwarkPeer(Durability durability) {
        this.durability = durability;
    }

    @Override
    public String name() {
        return "bulwark";
    }

    @Override
    public PeerResult run(Target target, long items, int threads) throws Exception {
        String version = version();
        if (target.postgres()) {
            String settings = Stores.postgresSettings(target.jdbcUrl());
            try (Ledger ledger = PostgresLedger.open(target.jdbcUrl())) {
                return result(NoopBench.run(ledger, items, threads, "postgresql", "durable"), version, settings);
            }
        }
        String d = durability.name().toLowerCase(Locale.ROOT);
        try (Ledger ledger = SqliteLedger.open(target.file(), durability)) {
            return result(NoopBench.run(ledger, items, threads, "sqlite", d), version, "wal/synchronous=" + durability.pragmaValue());
        }
    }

    private static PeerResult result(NoopBench.Result r, String version, String settings) {
        return PeerResult.of("peers", "bulwark", version, r.store(), settings, r.items(), r.concurrency(), r.seconds(), r.succeeded());
    }

    /** The jar's version, else the commit the command line was built from ({@code commit abc1234}), else {@code ?}. */
    private static String version() {
        String v = Peer.versionOf(NoopBench.class);
        if (!v.equals("?")) {
            return v;
        }
        try (InputStream in = BulwarkPeer.class.getResourceAsStream("/dev/bulwark/cli/build-commit.properties")) {
            if (in == null) {
                return "?";
            }
            Properties p = new Properties();
            p.load(in);
            return "commit " + p.getProperty("git.commit.id.abbrev", "?").trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
