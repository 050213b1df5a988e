package dev.bulwark.server.internal;

import dev.bulwark.server.WebhookConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Which callback URLs a submission may name: {@code http} or {@code https}, no user information
 * or fragment, a host (and port) that the administrator allowed, and — unless
 * {@code allow-private} — no address on loopback, link-local (cloud metadata such as
 * 169.254.169.254), private, unique-local, any-local or multicast networks, checked on the URL
 * and again on every address the host resolves to before each delivery.
 */
final class Callbacks {
    static final int MAX_LENGTH = 2000;

    private Callbacks() {
    }

    /** The callback as a URI, or a 422 naming why it is refused. */
    static URI check(String url, WebhookConfig config) {
        if (config == null) {
            throw Problem.unprocessable("callback", "this server takes no callbacks (server.webhooks is not configured)");
        }
        if (url.isEmpty() || url.length() > MAX_LENGTH || url.chars().anyMatch(c -> c <= 32 || c == 127)) {
            throw Problem.unprocessable("callback", "callback must be a URL of 1 to " + MAX_LENGTH + " characters without spaces "
                    + "or control characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw Problem.unprocessable("callback", "callback is not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw Problem.unprocessable("callback", "callback must be an http or https URL, but was '" + url + "'");
        }
        if (uri.getRawUserInfo() != null || uri.getRawFragment() != null || uri.getHost() == null) {
            throw Problem.unprocessable("callback", "callback must have a host and no user information or fragment");
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        String hostPort = uri.getPort() < 0 ? host : host + ":" + uri.getPort();
        if (!config.allowedHosts().contains(hostPort) && !(uri.getPort() < 0 && config.allowedHosts().contains(host))) {
            throw Problem.unprocessable("callback", "callback host '" + hostPort + "' is not one the administrator allowed "
                    + "(server.webhooks.allowed-hosts)");
        }
        if (!config.allowPrivate() && literal(host) && !isPublic(host)) {
            throw Problem.unprocessable("callback", "callback address " + host + " is on a loopback, link-local, private or "
                    + "metadata network, which callbacks may not reach");
        }
        return uri;
    }

    /** Throws unless every address of the host is public (or private ones are allowed). */
    static void checkResolved(URI uri, WebhookConfig config) throws UnknownHostException {
        if (config.allowPrivate()) {
            return;
        }
        for (InetAddress a : InetAddress.getAllByName(uri.getHost())) {
            if (!isPublic(a)) {
                throw new IllegalStateException("the callback host " + uri.getHost() + " resolves to " + a.getHostAddress()
                        + ", on a loopback, link-local, private or metadata network");
            }
        }
    }

    private static boolean literal(String host) {
        return host.matches("[0-9.]+") || host.startsWith("[") || host.contains(":");
    }

    private static boolean isPublic(String literal) {
        try {
            return isPublic(InetAddress.getByName(literal.replace("[", "").replace("]", "")));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static boolean isPublic(InetAddress a) {
        byte[] b = a.getAddress();
        boolean uniqueLocal = b.length == 16 && (b[0] & 0xfe) == 0xfc; // fc00::/7
        boolean cgnat = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10
        return !(a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()
                || a.isMulticastAddress() || uniqueLocal || cgnat || (b.length == 4 && (b[0] & 0xff) == 0));
    }
}
