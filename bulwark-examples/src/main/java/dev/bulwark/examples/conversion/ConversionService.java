package dev.bulwark.examples.conversion;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.examples.Expectations;
import dev.bulwark.examples.Options;
import dev.bulwark.util.Json;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * Example 2 of the service: a file conversion service with tiers, driven through its REST API.
 *
 * <p>{@code setup --work DIR} generates the input images and the service's {@code bulwark.yaml}
 * (template {@code compress}: one file at a time per job, each through {@link Compress} in its own
 * process). {@code run --work DIR --url URL} then talks to the running {@code bulwark serve}:
 * a free tenant's big archive job occupies the only worker; once two of its files are done (seen
 * on its event stream) a free and then a premium job are submitted; the archive job is cancelled
 * (its remaining files SKIPPED), the premium job runs before the free one although it came later,
 * its progress and ETA are read from the event stream, and every file's result (sizes, from the
 * item logs) is checked against the files written. Then {@link UploadedConversions}: uploads,
 * per-file options, downloads of each result and each job's ZIP, and the job-end webhooks checked
 * by the example's own {@link WebhookReceiver} (template {@code convert}, through {@link Convert}).
 * Exit 1 on any mismatch.
 */
public final class ConversionService {
    static final String FREE_TOKEN = "corner-shop-example-token-0001";
    static final String PREMIUM_TOKEN = "photo-agency-example-token-0001";
    static final int ARCHIVE_FILES = 8;
    static final int SHOP_FILES = 4;
    static final int AGENCY_FILES = 5;
    static final int MAX_WIDTH = 800;
    /** The secret the server signs its webhooks with and the example's receiver checks them with. */
    static final String WEBHOOK_SECRET = "conversion-example-webhook-secret-0001";
    private static final Pattern RESULT = Pattern.compile("result (\\S+) (\\d+)x(\\d+)->(\\d+)x(\\d+) (\\d+)->(\\d+) bytes (.+)");
    private static final long WAIT_SECONDS = 60;

    private final Api api;
    private final Path work;
    private final Expectations expect = new Expectations("conversion-service");

    private ConversionService(String url, Path work) {
        this.api = new Api(url);
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true"); // images are drawn and read, never shown
        if (args.length == 0 || !Set.of("setup", "run").contains(args[0])) {
            System.err.println("usage: ConversionService setup --work DIR | run --work DIR --url http://127.0.0.1:PORT/api/v1");
            System.exit(64);
        }
        Options o = Options.parse(java.util.Arrays.copyOfRange(args, 1, args.length), Set.of("work", "url"));
        Path work = o.path("work", "bulwark-examples/target/conversion-service").toAbsolutePath();
        if (args[0].equals("setup")) {
            setup(work);
        } else {
            System.exit(new ConversionService(o.get("url", "http://127.0.0.1:8080/api/v1"), work).run());
        }
    }

    /** The input images and the service configuration; the template runs this very JVM and class path. */
    static void setup(Path work) throws IOException {
        Path images = work.resolve("images");
        SampleImages.write(images.resolve("archive"), "scan", ARCHIVE_FILES, 0, 1);
        SampleImages.write(images.resolve("shop"), "product", SHOP_FILES, 2, 2);
        SampleImages.write(images.resolve("agency"), "shoot", AGENCY_FILES, 3, 3);
        SampleImages.write(work.resolve("upload"), "photo", UploadedConversions.FILES.size() - 1, 2, 4);
        SampleImages.writeWebp(work.resolve("upload"), "photo-06.webp", 4006);
        int webhookPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            webhookPort = free.getLocalPort(); // the receiver listens there during run; the server may call only it
        }
        Files.writeString(work.resolve("webhook-port"), webhookPort + "\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        Files.writeString(work.resolve("bulwark.yaml"), """
                # Written by ConversionService setup: one worker, so jobs wait and the tiers decide the order.
                server:
                  workers: 1
                  ageing: 10m
                  shutdown-grace: 5s
                  webhooks:
                    allowed-hosts: ['127.0.0.1:%d']
                    secret: %s
                    allow-private: true   # the receiver is on this machine's loopback
                    backoff: 200ms
                tiers:
                  free: {priority: 10, max-items: 20, max-running-jobs: 1}
                  premium: {priority: 1, max-items: 500, max-running-jobs: 4}
                tokens:
                  - {token: %s, tenant: corner-shop, tier: free, roles: [read, submit]}
                  - {token: %s, tenant: photo-agency, tier: premium, roles: [read, submit]}
                templates:
                  compress:
                    command: ['%s', -Djava.awt.headless=true, -XX:TieredStopAtLevel=1, -cp, '%s',
                              dev.bulwark.examples.conversion.Compress, '{}', '%s', '{param:quality}', '{param:width}']
                    roots: {images: images}
                    concurrency: 1
                    retries: 1
                    backoff: 200ms
                    timeout: 60s
                    kill-grace: 2s
                    permanent-exit: [2]
                    job-timeout: 5m
                    params:
                      quality: {pattern: '[1-9][0-9]?', default: '60'}
                      width: {pattern: '[1-9][0-9]{1,3}', default: '%d'}
                  convert:
                    command: ['%s', -Djava.awt.headless=true, -XX:TieredStopAtLevel=1, -cp, '%s',
                              dev.bulwark.examples.conversion.Convert, '{}', '{output}', '{param:format}', '{param:quality}', '{param:scale}']
                    roots: {uploads: uploads}
                    uploads: uploads
                    outputs: outputs
                    concurrency: 2
                    retries: 1
                    backoff: 200ms
                    timeout: 60s
                    permanent-exit: [2]
                    params:
                      format: {pattern: 'jpeg|png|gif|bmp', default: jpeg}
                      quality: {pattern: '[1-9][0-9]?|100', default: '85'}
                      scale: {pattern: '[1-9][0-9]?|100', default: '100'}
                """.formatted(webhookPort, WEBHOOK_SECRET, FREE_TOKEN, PREMIUM_TOKEN, java, classPath, work.resolve("out"), MAX_WIDTH,
                java, classPath));
        Files.createDirectories(work.resolve("uploads"));
        System.out.println("conversion-service: " + (ARCHIVE_FILES + SHOP_FILES + AGENCY_FILES + UploadedConversions.FILES.size())
                + " images and bulwark.yaml in " + work);
    }

    private int run() throws Exception {
        String archive = submit(FREE_TOKEN, "archive-backlog", "archive", 50);
        EventLog archiveEvents = EventLog.follow(api, "/jobs/" + archive + "/events", FREE_TOKEN, "archive");
        // the archive job has the only worker; once two of its files are done the others come
        archiveEvents.await(log -> log.succeeded() >= 2, WAIT_SECONDS);
        String shop = submit(FREE_TOKEN, "shop-photos", "shop", 40);
        String agency = submit(PREMIUM_TOKEN, "agency-shoot", "agency", 85);
        EventLog shopEvents = EventLog.follow(api, "/jobs/" + shop + "/events", FREE_TOKEN, "shop");
        EventLog agencyEvents = EventLog.follow(api, "/jobs/" + agency + "/events", PREMIUM_TOKEN, "agency");
        expect.expect("shop job waits for the worker", "QUEUED", job(shop, FREE_TOKEN).path("status").asText());
        expect.expect("agency job waits for the worker", "QUEUED", job(agency, PREMIUM_TOKEN).path("status").asText());

        System.out.println("--- cancelling the archive job midway");
        send("POST", "/jobs/" + archive + "/cancel", FREE_TOKEN, null, 202);
        archiveEvents.awaitEnd(WAIT_SECONDS);
        agencyEvents.awaitEnd(WAIT_SECONDS);
        shopEvents.awaitEnd(WAIT_SECONDS);

        JsonNode a = job(archive, FREE_TOKEN);
        JsonNode s = job(shop, FREE_TOKEN);
        JsonNode g = job(agency, PREMIUM_TOKEN);
        System.out.println("--- checks");
        expect.expect("archive job", "CANCELLED", a.path("status").asText());
        long archiveDone = a.path("counts").path("succeeded").asLong();
        long archiveSkipped = a.path("counts").path("skipped").asLong();
        expect.expectTrue("archive: at least 2 files converted before the cancel (" + archiveDone + ")", archiveDone >= 2);
        expect.expectTrue("archive: the remaining files skipped (" + archiveSkipped + ")", archiveSkipped >= 1);
        expect.expect("archive: converted + skipped", (long) ARCHIVE_FILES, archiveDone + archiveSkipped);
        expect.expect("agency job (premium)", "COMPLETED", g.path("status").asText());
        expect.expect("shop job (free)", "COMPLETED", s.path("status").asText());
        Instant shopCreated = instant(s, "createdAt");
        Instant agencyCreated = instant(g, "createdAt");
        Instant shopStarted = instant(s, "startedAt");
        Instant agencyStarted = instant(g, "startedAt");
        System.out.printf("  submitted: shop %s, agency %s; started: agency %s, shop %s%n", shopCreated, agencyCreated,
                agencyStarted, shopStarted);
        expect.expectTrue("the free shop job was submitted first", shopCreated.isBefore(agencyCreated));
        expect.expectTrue("the premium agency job started first", agencyStarted.isBefore(shopStarted));
        expect.expectTrue("the premium job finished before the free one started (one worker)",
                !instant(g, "finishedAt").isAfter(shopStarted));
        List<JsonNode> progress = agencyEvents.data("progress");
        progress.forEach(p -> System.out.printf("  agency progress: %5.1f%% %d/%d files, %.2f files/s, ETA %s%n",
                p.path("percent").asDouble(), p.path("counts").path("succeeded").asLong(), p.path("counts").path("total").asLong(),
                p.path("itemsPerSecond").asDouble(), p.path("etaSeconds").isNull() ? "?" : p.path("etaSeconds").asDouble() + " s"));
        expect.expectTrue("agency progress events with an ETA", progress.stream().anyMatch(p -> p.path("etaSeconds").isNumber()));
        boolean rising = true;
        for (int i = 1; i < progress.size(); i++) {
            rising &= progress.get(i).path("percent").asDouble() >= progress.get(i - 1).path("percent").asDouble();
        }
        expect.expectTrue("agency progress never goes back", rising);
        expect.expect("agency job's progress in its status", 100.0, g.path("progress").path("percent").asDouble());

        System.out.println("--- per-file results (from the item logs)");
        System.out.printf("  %-14s %-16s %-9s %9s %9s %6s%n", "job", "file", "status", "in", "out", "ratio");
        expect.expect("archive files converted, with an output", archiveDone, results(archive, FREE_TOKEN, "archive", 50));
        expect.expect("shop files converted, with an output", (long) SHOP_FILES, results(shop, FREE_TOKEN, "shop", 40));
        expect.expect("agency files converted, with an output", (long) AGENCY_FILES, results(agency, PREMIUM_TOKEN, "agency", 85));

        int webhookPort = Integer.parseInt(Files.readString(work.resolve("webhook-port")).strip());
        try (WebhookReceiver receiver = WebhookReceiver.start(webhookPort, WEBHOOK_SECRET, Clock.systemUTC())) {
            new UploadedConversions(api, work, expect).run(PREMIUM_TOKEN, receiver);
        }
        return expect.exitCode();
    }

    /** Prints every item of a job; checks each converted file against its log line and the disk. Returns the files that check out. */
    private long results(String jobId, String token, String label, int quality) throws Exception {
        long ok = 0;
        for (JsonNode item : get("/jobs/" + jobId + "/items?limit=1000", token).path("items")) {
            Path input = Path.of(item.path("key").asText());
            String status = item.path("status").asText();
            if (!status.equals("SUCCEEDED")) {
                System.out.printf("  %-14s %-16s %-9s %9d %9s %6s%n", label, input.getFileName(), status, Files.size(input), "-", "-");
                continue;
            }
            String log = sendText("GET", "/jobs/" + jobId + "/items/" + item.path("seq").asLong() + "/log", token);
            Matcher m = RESULT.matcher(log);
            if (!m.find()) {
                expect.expect(label + " " + input.getFileName() + ": result line in its log", "result ...", log.strip());
                continue;
            }
            long in = Long.parseLong(m.group(6));
            long out = Long.parseLong(m.group(7));
            Path output = Path.of(m.group(8).strip());
            System.out.printf("  %-14s %-16s %-9s %9d %9d %5.1f%%  q=%d %sx%s%n", label, input.getFileName(), status, in, out,
                    100.0 * out / in, quality, m.group(4), m.group(5));
            BufferedImage written = Files.isRegularFile(output) ? ImageIO.read(output.toFile()) : null;
            boolean good = in == Files.size(input) && written != null && Files.size(output) == out && out < in
                    && written.getWidth() == Math.min(MAX_WIDTH, Integer.parseInt(m.group(2)))
                    && output.startsWith(work.resolve("out"));
            if (good) {
                ok++;
            } else {
                expect.expect(label + " " + input.getFileName() + ": a smaller JPEG of the logged size", output + " " + out, written);
            }
        }
        return ok;
    }

    private String submit(String token, String name, String folder, int quality) throws Exception {
        String body = Json.write(java.util.Map.of("template", "compress", "name", name, "folder", folder, "glob", "*.{png,jpg}",
                "params", java.util.Map.of("quality", String.valueOf(quality))));
        JsonNode created = Json.MAPPER.readTree(send("POST", "/jobs", token, body, 201));
        System.out.printf("submitted %-16s %s (%d files, quality %d)%n", name, created.path("id").asText(),
                created.path("total").asLong(), quality);
        return created.path("id").asText();
    }

    private JsonNode job(String id, String token) throws Exception {
        return get("/jobs/" + id, token);
    }

    private JsonNode get(String path, String token) throws Exception {
        return api.get(path, token);
    }

    private String sendText(String method, String path, String token) throws Exception {
        return api.send(method, path, token, null, 200);
    }

    private String send(String method, String path, String token, String body, int expected) throws Exception {
        return api.send(method, path, token, body, expected);
    }

    private static Instant instant(JsonNode job, String field) {
        return Instant.parse(job.path(field).asText());
    }

    /** One job's server-sent events, read on a virtual thread until the stream ends (after job_finished). */
    static final class EventLog {
        private final List<String[]> events = new ArrayList<>();
        private final String label;
        private boolean ended;

        private EventLog(String label) {
            this.label = label;
        }

        static EventLog follow(Api api, String path, String token, String label) {
            EventLog log = new EventLog(label);
            HttpClient http = api.http();
            HttpRequest request = HttpRequest.newBuilder(URI.create(api.url(path))).header("Authorization", "Bearer " + token)
                    .header("Accept", "text/event-stream").build();
            Thread.ofVirtual().name("sse-" + label).start(() -> {
                try {
                    String[] type = {null};
                    http.send(request, HttpResponse.BodyHandlers.ofLines()).body().forEach(line -> {
                        if (line.startsWith("event:")) {
                            type[0] = line.substring(6).strip();
                        } else if (line.startsWith("data:") && type[0] != null) {
                            log.add(type[0], line.substring(5).strip());
                        }
                    });
                } catch (IOException | InterruptedException e) {
                    log.add("error", "\"" + e + "\"");
                } finally {
                    log.end();
                }
            });
            return log;
        }

        private synchronized void add(String type, String data) {
            events.add(new String[] {type, data});
            if (!type.equals("progress")) {
                JsonNode d = Json.readTree(data);
                System.out.println("  [" + label + " events] " + type + (d.has("key")
                        ? " #" + d.path("seq").asLong() + " " + Path.of(d.path("key").asText()).getFileName() : "")
                        + (d.has("duration_ms") ? " in " + d.path("duration_ms").asLong() + " ms" : "")
                        + (d.has("message") ? ": " + d.path("message").asText() : ""));
            }
            notifyAll();
        }

        private synchronized void end() {
            ended = true;
            notifyAll();
        }

        /** Items succeeded: those of the snapshot the stream starts with, and those since. */
        synchronized long succeeded() {
            List<JsonNode> snapshot = data("snapshot");
            return (snapshot.isEmpty() ? 0 : snapshot.getFirst().path("counts").path("succeeded").asLong()) + count("item_succeeded");
        }

        synchronized long count(String type) {
            return events.stream().filter(e -> e[0].equals(type)).count();
        }

        synchronized List<JsonNode> data(String type) {
            return events.stream().filter(e -> e[0].equals(type)).map(e -> Json.readTree(e[1])).toList();
        }

        synchronized void await(java.util.function.Predicate<EventLog> condition, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!condition.test(this)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || ended) {
                    throw new IllegalStateException(label + ": the expected events did not come within " + seconds + " s");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        void awaitEnd(long seconds) throws InterruptedException {
            synchronized (this) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                while (!ended) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IllegalStateException(label + ": the event stream did not end within " + seconds + " s");
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            }
            if (count("job_finished") != 1) {
                throw new IllegalStateException(label + ": the event stream ended without job_finished: " + count("error") + " error(s)");
            }
        }
    }
}
