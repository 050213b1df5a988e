package dev.bulwark.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.bulwark.AttemptResult;
import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.JobStatus;
import dev.bulwark.Retry;
import dev.bulwark.RunningBatch;
import dev.bulwark.SettableClock;
import dev.bulwark.ValidationException;
import dev.bulwark.ledger.MemoryLedger;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The http handler against a real HTTP server on the loopback interface. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpHandlerTest {
    private final SettableClock clock = new SettableClock();
    private final Map<String, String> received = new ConcurrentHashMap<>();
    private final AtomicInteger flakyCalls = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::answer);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    /** /status/N answers N; /flaky answers 503 with Retry-After: 7 once, then 200; /slow waits for the test. */
    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        received.put(path, exchange.getRequestMethod() + " " + new String(exchange.getRequestBody().readAllBytes(),
                StandardCharsets.UTF_8) + " " + exchange.getRequestHeaders().getFirst("X-Token"));
        int status = 200;
        String body = "ok " + path;
        if (path.startsWith("/status/")) {
            status = Integer.parseInt(path.substring("/status/".length()));
            body = "answer " + status + "\nsecond line";
        } else if (path.equals("/flaky") && flakyCalls.incrementAndGet() == 1) {
            status = 503;
            body = "maintenance";
            exchange.getResponseHeaders().add("Retry-After", "7");
        } else if (path.equals("/slow")) {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private BatchResult run(HttpSpec spec, List<String> keys) {
        return Bulwark.strings(keys).itemHandler(new HttpHandler(spec)).retry(Retry.none()).clock(clock).run();
    }

    private Item only(HttpSpec spec, String key) {
        return run(spec, List.of(key)).items().findFirst().orElseThrow();
    }

    @Test
    void classifies_answers_by_status() {
        HttpSpec spec = HttpSpec.get(base + "/status/{}");

        BatchResult result = run(spec, List.of("200", "204", "404", "422", "408", "429", "500", "503"));

        assertThat(result.items()).extracting(Item::key, Item::status, Item::errorClass, Item::category).containsExactly(
                org.assertj.core.groups.Tuple.tuple("200", ItemStatus.SUCCEEDED, null, null),
                org.assertj.core.groups.Tuple.tuple("204", ItemStatus.SUCCEEDED, null, null),
                org.assertj.core.groups.Tuple.tuple("404", ItemStatus.FAILED, ErrorClass.PERMANENT, "http:404"),
                org.assertj.core.groups.Tuple.tuple("422", ItemStatus.FAILED, ErrorClass.PERMANENT, "http:422"),
                org.assertj.core.groups.Tuple.tuple("408", ItemStatus.FAILED, ErrorClass.TRANSIENT, "http:408"),
                org.assertj.core.groups.Tuple.tuple("429", ItemStatus.FAILED, ErrorClass.TRANSIENT, "http:429"),
                org.assertj.core.groups.Tuple.tuple("500", ItemStatus.FAILED, ErrorClass.TRANSIENT, "http:500"),
                org.assertj.core.groups.Tuple.tuple("503", ItemStatus.FAILED, ErrorClass.TRANSIENT, "http:503"));
        assertThat(result.items().filter(i -> i.key().equals("404")).findFirst().orElseThrow().message())
                .isEqualTo("HTTP 404: answer 404");
        assertThat(result.items().filter(i -> i.key().equals("200")).findFirst().orElseThrow().exitCode()).isEqualTo(200);
    }

    @Test
    void an_unauthorised_answer_is_critical_and_stops_the_batch() {
        BatchResult result = Bulwark.strings(List.of("200", "401", "200"))
                .itemHandler(new HttpHandler(HttpSpec.get(base + "/status/{}")))
                .ordered().clock(clock).run();

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.reason()).contains("http:401");
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(only(HttpSpec.get(base + "/status/{}"), "403").errorClass()).isEqualTo(ErrorClass.CRITICAL);
    }

    @Test
    void retries_no_sooner_than_retry_after_asks() {
        MemoryLedger ledger = new MemoryLedger();
        RunningBatch running = Bulwark.strings(List.of("flaky"))
                .itemHandler(new HttpHandler(HttpSpec.get(base + "/{}")))
                .retry(Retry.exponential(2, Duration.ofSeconds(1)).withJitter(0))
                .ledger(ledger).clock(clock).start();

        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.findItem(running.jobId(), 1).orElseThrow().status() == ItemStatus.RETRY_WAIT);
        Item waiting = ledger.findItem(running.jobId(), 1).orElseThrow();
        assertThat(waiting.category()).isEqualTo("http:503");
        assertThat(waiting.message()).isEqualTo("HTTP 503: maintenance");
        assertThat(waiting.nextAttemptAt()).isEqualTo(clock.now().plusSeconds(7));
        clock.advance(Duration.ofSeconds(7));

        assertThat(running.await().status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(flakyCalls).hasValue(2);
    }

    @Test
    void reads_retry_after_as_seconds_or_an_http_date_capped_at_the_maximum() {
        HttpHandler handler = new HttpHandler(HttpSpec.builder("GET", base + "/{}").maxRetryAfter(Duration.ofMinutes(5)).build(),
                java.net.http.HttpClient.newHttpClient(), clock);
        String inNinetySeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.now().plusSeconds(90).atZone(ZoneOffset.UTC));

        assertThat(handler.retryDelay("120")).isEqualTo(Duration.ofSeconds(120));
        assertThat(handler.retryDelay(inNinetySeconds)).isEqualTo(Duration.ofSeconds(90));
        assertThat(handler.retryDelay("86400")).isEqualTo(Duration.ofMinutes(5));
        assertThat(handler.retryDelay("soon")).isNull();
        AttemptResult busy = handler.classify(429, "3", "slow down");
        assertThat(busy.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(busy.message()).isEqualTo("HTTP 429: slow down");
    }

    @Test
    void a_refused_connection_is_transient_with_category_connect() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        Item item = only(HttpSpec.get("http://127.0.0.1:" + closedPort + "/{}"), "x");

        assertThat(item.errorClass()).isEqualTo(ErrorClass.TRANSIENT);
        assertThat(item.category()).isEqualTo("connect");
    }

    @Test
    void no_answer_within_the_request_timeout_is_transient_with_category_timeout() {
        Item item = only(HttpSpec.builder("GET", base + "/{}").requestTimeout(Duration.ofMillis(300)).build(), "slow");

        assertThat(item.errorClass()).isEqualTo(ErrorClass.TRANSIENT);
        assertThat(item.category()).isEqualTo("timeout");
    }

    @Test
    void sends_the_method_headers_and_body_with_placeholders_and_encodes_them_in_the_url(@TempDir Path logs) throws IOException {
        HttpSpec spec = HttpSpec.builder("post", base + "/orders/{}/seq/{#}")
                .header("X-Token", "t-{attempt}")
                .body("{\"order\":\"{}\"}")
                .build();

        BatchResult result = Bulwark.strings(List.of("a b/c")).itemHandler(new HttpHandler(spec))
                .logDirectory(logs).clock(clock).run();

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(received).containsEntry("/orders/a%20b%2Fc/seq/1", "POST {\"order\":\"a b/c\"} t-1");
        List<String> log = Files.readAllLines(logs.resolve(result.jobId().toString()).resolve("1.log"));
        assertThat(log.get(0)).endsWith("handler=\"http POST " + base + "/orders/a%20b%2Fc/seq/1\"");
        assertThat(log).contains("HTTP 200", "ok /orders/a%20b%2Fc/seq/1");
    }

    @Test
    void a_key_that_is_not_a_url_fails_permanently_when_the_keys_are_the_urls() {
        Item item = only(HttpSpec.get("{}"), "ftp://files.example/x");

        assertThat(item.errorClass()).isEqualTo(ErrorClass.PERMANENT);
        assertThat(item.category()).isEqualTo("url");
    }

    @Test
    void scopes_are_host_and_port() {
        assertThat(HttpHandler.scopeOf("https://API.example.org/v1/x")).isEqualTo("api.example.org:443");
        assertThat(HttpHandler.scopeOf("http://10.0.0.5/x")).isEqualTo("10.0.0.5:80");
        assertThat(new HttpHandler(HttpSpec.get("http://node-{}:8080/cmd")).scopeFor("7")).isEqualTo("node-7:8080");
        assertThatThrownBy(() -> HttpHandler.scopeOf("not a url")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("'not a url'");
    }

    @Test
    void refuses_a_bad_spec_naming_the_bad_value() {
        assertThatThrownBy(() -> HttpSpec.get("ftp://x")).isInstanceOf(ValidationException.class)
                .hasMessage("http url must start with http:// or https:// (or be exactly {} when the keys are URLs), but was 'ftp://x'");
        assertThatThrownBy(() -> HttpSpec.builder("FETCH", "http://x").build())
                .hasMessage("http method must be one of DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, but was 'FETCH'");
        assertThatThrownBy(() -> HttpSpec.builder("GET", "http://x").header("Host", "y").build())
                .hasMessage("http header Host is set by the client itself and cannot be given");
        assertThatThrownBy(() -> HttpSpec.builder("GET", "http://x").requestTimeout(Duration.ZERO).build())
                .hasMessage("http request timeout must be positive, but was PT0S");
    }
}
