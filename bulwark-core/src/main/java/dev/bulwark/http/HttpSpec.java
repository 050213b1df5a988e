package dev.bulwark.http;

import dev.bulwark.ValidationException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the {@code http} handler sends for each item: a method, a URL template, headers and a
 * body template, with the placeholders of the {@code exec} handler ({@code {}} the key,
 * {@code {/}}, {@code {.}}, {@code {/.}}, {@code {//}}, {@code {#}}, {@code {%}},
 * {@code {attempt}}, {@code {job}}).
 *
 * <p>In the URL, placeholder values are percent-encoded (a key {@code a b/c} becomes
 * {@code a%20b%2Fc}), except when the whole URL template is {@code {}}: the key is then the URL
 * itself. In headers and the body, values are inserted as they are.
 *
 * @param method         GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS
 * @param url            the URL template: {@code http://} or {@code https://}, or exactly {@code {}}
 * @param headers        request headers (values may hold placeholders)
 * @param body           the request body template, or null for none
 * @param requestTimeout longest wait for the response headers; a timeout is transient ({@code timeout})
 * @param connectTimeout longest wait for a connection; a timeout is transient ({@code connect})
 * @param maxRetryAfter  longest {@code Retry-After} honoured; longer requests are cut to it
 * @param bodyCap        bytes of the response body kept for the message and the item log
 */
public record HttpSpec(String method, String url, Map<String, String> headers, String body, Duration requestTimeout,
                       Duration connectTimeout, Duration maxRetryAfter, int bodyCap) {

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofMinutes(10);
    public static final int DEFAULT_BODY_CAP = 64 * 1024;

    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    /** Headers java.net.http sets itself and refuses to take from a caller. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    public HttpSpec {
        ValidationException.require(method != null && METHODS.contains(method.toUpperCase(Locale.ROOT)),
                "http method must be one of " + String.join(", ", new java.util.TreeSet<>(METHODS)) + ", but was '" + method + "'");
        method = method.toUpperCase(Locale.ROOT);
        ValidationException.require(url != null && (url.equals("{}") || hasHttpScheme(url)),
                "http url must start with http:// or https:// (or be exactly {} when the keys are URLs), but was '" + url + "'");
        Map<String, String> copy = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((name, value) -> {
                ValidationException.require(name != null && name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+"),
                        "http header names must be tokens (letters, digits, -), but got '" + name + "'");
                ValidationException.require(!RESTRICTED.contains(name.toLowerCase(Locale.ROOT)),
                        "http header " + name + " is set by the client itself and cannot be given");
                ValidationException.require(value != null && value.indexOf('\r') < 0 && value.indexOf('\n') < 0,
                        "http header " + name + " needs a one-line value, but got '" + value + "'");
                copy.put(name, value);
            });
        }
        headers = java.util.Collections.unmodifiableMap(copy);
        requestTimeout = positive(requestTimeout, DEFAULT_REQUEST_TIMEOUT, "request timeout");
        connectTimeout = positive(connectTimeout, DEFAULT_CONNECT_TIMEOUT, "connect timeout");
        maxRetryAfter = maxRetryAfter == null ? DEFAULT_MAX_RETRY_AFTER : maxRetryAfter;
        ValidationException.require(!maxRetryAfter.isNegative(), "max Retry-After must not be negative, but was " + maxRetryAfter);
        ValidationException.require(bodyCap >= 0, "http body cap must not be negative, but was " + bodyCap);
    }

    /** A GET of {@code url} with every default. */
    public static HttpSpec get(String url) {
        return builder("GET", url).build();
    }

    /** A validating builder; not thread-safe. */
    public static Builder builder(String method, String url) {
        return new Builder(method, url);
    }

    private static boolean hasHttpScheme(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        return (lower.startsWith("http://") && lower.length() > 7) || (lower.startsWith("https://") && lower.length() > 8);
    }

    private static Duration positive(Duration value, Duration fallback, String what) {
        Duration d = value == null ? fallback : value;
        ValidationException.require(!d.isNegative() && !d.isZero(), "http " + what + " must be positive, but was " + d);
        return d;
    }

    /** Builds an {@link HttpSpec} with defaults for what is not set. */
    public static final class Builder {
        private final String method;
        private final String url;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String body;
        private Duration requestTimeout;
        private Duration connectTimeout;
        private Duration maxRetryAfter;
        private int bodyCap = DEFAULT_BODY_CAP;

        private Builder(String method, String url) {
            this.method = method;
            this.url = url;
        }

        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "header name"), value);
            return this;
        }

        public Builder body(String value) {
            this.body = value;
            return this;
        }

        public Builder requestTimeout(Duration value) {
            this.requestTimeout = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        public Builder maxRetryAfter(Duration value) {
            this.maxRetryAfter = value;
            return this;
        }

        public Builder bodyCap(int value) {
            this.bodyCap = value;
            return this;
        }

        public HttpSpec build() {
            return new HttpSpec(method, url, headers, body, requestTimeout, connectTimeout, maxRetryAfter, bodyCap);
        }
    }
}
