package dev.bulwark.server.internal.dashboard;

import dev.bulwark.BulwarkClock;
import dev.bulwark.server.internal.Principal;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's sign-in sessions, in memory: a restart signs everybody out (the tokens stay the
 * only credential that outlives the process). A session lasts {@link #IDLE} after its last use
 * and at most {@link #MAX_AGE}. Thread-safe.
 */
public final class Sessions {
    /** A session unused this long is over. */
    public static final Duration IDLE = Duration.ofHours(8);
    /** No session lasts longer than this, used or not. */
    public static final Duration MAX_AGE = Duration.ofHours(24);
    /** Sessions kept at most; the oldest go first (a flood of sign-ins cannot exhaust the heap). */
    static final int MAX_SESSIONS = 10_000;

    /**
     * One signed-in browser.
     *
     * @param id        the cookie's value (256 random bits)
     * @param csrf      the token every action must echo in {@code X-CSRF-Token} (256 random bits)
     * @param principal whom the session speaks for (the token's tenant, tier and roles)
     */
    public record Session(String id, String csrf, Principal principal, Instant createdAt, Instant lastUsed) {
        @Override
        public String toString() {
            return "Session[tenant=" + principal.tenant() + ", createdAt=" + createdAt + "]";
        }
    }

    private final SecureRandom random = new SecureRandom();
    private final BulwarkClock clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    public Sessions(BulwarkClock clock) {
        this.clock = clock;
    }

    /** Opens a session for {@code principal}. */
    public Session open(Principal principal) {
        Instant now = clock.now();
        evictExpired(now);
        Session s = new Session(randomToken(), randomToken(), principal, now, now);
        sessions.put(s.id(), s);
        return s;
    }

    /** The live session of a cookie value (null or unknown: empty), marked as used now. */
    public Optional<Session> find(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.now();
        Session s = sessions.get(id);
        if (s == null) {
            return Optional.empty();
        }
        if (expired(s, now)) {
            sessions.remove(id, s);
            return Optional.empty();
        }
        Session used = new Session(s.id(), s.csrf(), s.principal(), s.createdAt(), now);
        sessions.replace(id, s, used);
        return Optional.of(used);
    }

    /** Ends a session (sign-out); nothing happens for an unknown one. */
    public void close(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    /** Whether {@code given} is the session's CSRF token (compared in constant time). */
    public static boolean csrfMatches(Session s, String given) {
        return given != null && MessageDigest.isEqual(s.csrf().getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    int size() {
        return sessions.size();
    }

    private boolean expired(Session s, Instant now) {
        return !now.isBefore(s.lastUsed().plus(IDLE)) || !now.isBefore(s.createdAt().plus(MAX_AGE));
    }

    private void evictExpired(Instant now) {
        sessions.values().removeIf(s -> expired(s, now));
        while (sessions.size() >= MAX_SESSIONS) {
            Iterator<Session> oldest = sessions.values().stream()
                    .sorted(java.util.Comparator.comparing(Session::createdAt)).iterator();
            if (!oldest.hasNext()) {
                return;
            }
            sessions.remove(oldest.next().id());
        }
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
