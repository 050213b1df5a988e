package dev.bulwark.http;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.ErrorClass;
import dev.bulwark.ItemHandler;
import dev.bulwark.StopReason;
import dev.bulwark.ValidationException;
import dev.bulwark.exec.internal.CommandTemplate;
import dev.bulwark.internal.AttemptLog;
import dev.bulwark.util.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The {@code http} handler: sends one request per item ({@link HttpSpec}) with
 * {@code java.net.http} and classifies the answer.
 *
 * <h2>Classification</h2>
 * <ul>
 *   <li>2xx: success (the status is recorded as the attempt's exit code);</li>
 *   <li>408, 429 and 5xx: TRANSIENT, category {@code http:503} etc.; a {@code Retry-After}
 *       header (seconds or an HTTP date) sets the earliest retry, up to
 *       {@link HttpSpec#maxRetryAfter()} ({@link AttemptResult#retryAfter()});</li>
 *   <li>401 and 403: CRITICAL (credentials or configuration are wrong: the job stops);</li>
 *   <li>other 4xx, and 1xx/3xx left after following redirects: PERMANENT;</li>
 *   <li>no connection (refused, unreachable, connect timeout): TRANSIENT, category {@code connect};
 *       no response within {@link HttpSpec#requestTimeout()}: TRANSIENT, {@code timeout}; the
 *       connection failing midway: TRANSIENT, {@code io};</li>
 *   <li>a URL that the item makes invalid: PERMANENT, {@code url};</li>
 *   <li>stopped by the engine: TRANSIENT, {@code timeout} for the attempt timeout, else
 *       {@code interrupted} (recorded as an interrupted attempt).</li>
 * </ul>
 * Failure messages are {@code HTTP 503} followed by the first line of the response body.
 *
 * <h2>Item log</h2>
 * With a log directory, each attempt appends a header naming the request, the status and up to
 * {@link HttpSpec#bodyCap()} bytes of the response body.
 *
 * <h2>Breaker scope</h2>
 * {@link #scopeOf(String)} gives {@code host:port} of a URL: the default scope of an item, so that
 * each host gets its own circuit breaker.
 *
 * <p>Thread-safe: one shared {@link HttpClient}; each call only uses its own state.
 */
public final class HttpHandler implements ItemHandler {
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

    private final HttpSpec spec;
    private final HttpClient client;
    private final BulwarkClock clock;
    private final CommandTemplate url;
    private final CommandTemplate body;
    private final List<String> headerNames;
    private final CommandTemplate headerValues;

    /** A handler with its own client (HTTP/1.1 and 2, redirects followed except https → http). */
    public HttpHandler(HttpSpec spec) {
        this(spec, HttpClient.newBuilder().connectTimeout(spec.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL).build(), BulwarkClock.system());
    }

    /**
     * @param client the client to send with (shared, thread-safe)
     * @param clock  the clock an HTTP-date {@code Retry-After} is measured against
     */
    public HttpHandler(HttpSpec spec, HttpClient client, BulwarkClock clock) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.client = Objects.requireNonNull(client, "client");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.url = CommandTemplate.compile(List.of(spec.url()));
        this.body = spec.body() == null ? null : CommandTemplate.compile(List.of(spec.body()));
        this.headerNames = List.copyOf(spec.headers().keySet());
        this.headerValues = headerNames.isEmpty() ? null : CommandTemplate.compile(List.copyOf(spec.headers().values()));
    }

    public HttpSpec spec() {
        return spec;
    }

    /** {@code host:port} of {@code url} (port 80 or 443 when it names none), lower case: a breaker scope. */
    public static String scopeOf(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            ValidationException.require(uri.getHost() != null && (scheme.equals("http") || scheme.equals("https")),
                    "a breaker scope needs an http(s) URL with a host, but got '" + url + "'");
            int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            return uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
        } catch (URISyntaxException e) {
            throw new ValidationException("'" + url + "' is not a URL: " + e.getReason());
        }
    }

    /** The scope of the request for {@code key} ({@link #scopeOf(String)} of its URL). */
    public String scopeFor(String key) {
        return scopeOf(urlFor(key, 0, 1, 1, null));
    }

    /** The URL sent for an attempt. */
    public String url(AttemptContext ctx) {
        return urlFor(ctx.key(), ctx.seq(), ctx.slot(), ctx.attempt(), ctx.jobId());
    }

    private String urlFor(String key, long seq, int slot, int attempt, java.util.UUID jobId) {
        if (spec.url().equals("{}")) {
            return key;
        }
        return url.expand(key, seq, slot, attempt, jobId, HttpHandler::encode).get(0);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public AttemptResult handle(AttemptContext ctx) {
        String target = url(ctx);
        HttpRequest request;
        try {
            request = request(ctx, target);
        } catch (IllegalArgumentException e) {
            return AttemptResult.failure(ErrorClass.PERMANENT, "url", "cannot send " + spec.method() + " " + target + ": " + e.getMessage());
        }
        AttemptLog log;
        try {
            log = AttemptLog.begin(ctx, "http " + spec.method() + " " + target);
        } catch (UncheckedIOException e) {
            return dev.bulwark.engine.OwnIoFault.itemLog(ctx.logFile(), e);
        }
        AttemptResult result = send(ctx, request, log);
        return log == null ? result : log.finish(result);
    }

    private HttpRequest request(AttemptContext ctx, String target) {
        URI uri = URI.create(target);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL with a host");
        }
        Duration timeout = ctx.timeout() != null && ctx.timeout().compareTo(spec.requestTimeout()) < 0
                ? ctx.timeout() : spec.requestTimeout();
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
        if (headerValues != null) {
            List<String> values = headerValues.expand(ctx.key(), ctx.seq(), ctx.slot(), ctx.attempt(), ctx.jobId());
            for (int i = 0; i < headerNames.size(); i++) {
                String value = values.get(i);
                if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("header " + headerNames.get(i) + " would hold a line break");
                }
                b.header(headerNames.get(i), value);
            }
        }
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.expand(ctx.key(), ctx.seq(), ctx.slot(), ctx.attempt(), ctx.jobId()).get(0));
        return b.method(spec.method(), publisher).build();
    }

    private AttemptResult send(AttemptContext ctx, HttpRequest request, AttemptLog log) {
        if (ctx.isStopped()) {
            return stopped(ctx);
        }
        CompletableFuture<HttpResponse<InputStream>> future = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        ctx.onStop(() -> future.cancel(true));
        HttpResponse<InputStream> response;
        try {
            response = future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            return stopped(ctx);
        } catch (CancellationException e) {
            return stopped(ctx);
        } catch (ExecutionException e) {
            return ctx.isStopped() ? stopped(ctx) : failure(e.getCause());
        }
        String text;
        try (InputStream in = response.body()) {
            text = new String(in.readNBytes(spec.bodyCap()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ctx.isStopped() ? stopped(ctx) : failure(e);
        }
        if (log != null) {
            log.line("HTTP " + response.statusCode());
            if (!text.isEmpty()) {
                log.line(text);
            }
        }
        return classify(response.statusCode(), response.headers().firstValue("Retry-After").orElse(null), text);
    }

    /** What a response means: see the class comment. {@code body} gives the message its detail. */
    AttemptResult classify(int status, String retryAfter, String body) {
        if (status >= 200 && status < 300) {
            return AttemptResult.success(status);
        }
        String category = "http:" + status;
        String message = "HTTP " + status + firstLine(body);
        if (status == 408 || status == 429 || status >= 500) {
            return AttemptResult.failure(ErrorClass.TRANSIENT, category, message, status)
                    .withRetryAfter(retryAfter == null ? null : retryDelay(retryAfter));
        }
        if (status == 401 || status == 403) {
            return AttemptResult.failure(ErrorClass.CRITICAL, category, message + " (check the credentials)", status);
        }
        return AttemptResult.failure(ErrorClass.PERMANENT, category, message, status);
    }

    /**
     * The delay a {@code Retry-After} value asks for (delta-seconds or an HTTP date), at most
     * {@link HttpSpec#maxRetryAfter()}; null when the value is not understood.
     */
    Duration retryDelay(String value) {
        String v = value.trim();
        Duration d;
        if (v.matches("\\d{1,10}")) {
            d = Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                d = Duration.between(clock.now(), ZonedDateTime.parse(v, HTTP_DATE).toInstant());
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        if (d.isNegative()) {
            return Duration.ZERO;
        }
        return d.compareTo(spec.maxRetryAfter()) > 0 ? spec.maxRetryAfter() : d;
    }

    private static String firstLine(String body) {
        String trimmed = body == null ? "" : body.strip();
        if (trimmed.isEmpty()) {
            return "";
        }
        int nl = trimmed.indexOf('\n');
        String line = (nl < 0 ? trimmed : trimmed.substring(0, nl)).strip();
        return ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
    }

    private static AttemptResult failure(Throwable error) {
        if (error instanceof HttpConnectTimeoutException || error instanceof ConnectException) {
            return AttemptResult.failure(ErrorClass.TRANSIENT, "connect", "cannot connect: " + describe(error));
        }
        if (error instanceof HttpTimeoutException) {
            return AttemptResult.failure(ErrorClass.TRANSIENT, "timeout", "no response: " + describe(error));
        }
        if (error instanceof IOException) {
            Throwable cause = error.getCause();
            if (cause instanceof ConnectException) {
                return AttemptResult.failure(ErrorClass.TRANSIENT, "connect", "cannot connect: " + describe(cause));
            }
            return AttemptResult.failure(ErrorClass.TRANSIENT, "io", describe(error));
        }
        if (error instanceof IllegalArgumentException) {
            return AttemptResult.failure(ErrorClass.PERMANENT, "url", describe(error));
        }
        return AttemptResult.failure(ErrorClass.TRANSIENT, "exception", describe(error));
    }

    private static String describe(Throwable error) {
        return error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    }

    private AttemptResult stopped(AttemptContext ctx) {
        if (ctx.stopReason() == StopReason.TIMEOUT) {
            return AttemptResult.failure(ErrorClass.TRANSIENT, "timeout", "timed out after " + Durations.format(ctx.timeout()));
        }
        return AttemptResult.failure(ErrorClass.TRANSIENT, "interrupted", "interrupted");
    }
}
