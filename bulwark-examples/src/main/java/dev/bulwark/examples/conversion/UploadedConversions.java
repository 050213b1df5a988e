package dev.bulwark.examples.conversion;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.examples.Expectations;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The second half of the example: files in and results out. The premium tenant uploads its images
 * ({@code POST /uploads}), gives each file its own options (target format, JPEG quality, scale),
 * submits one job of the {@code convert} template per set of options over the uploaded files by
 * reference, with a {@code callback} to the example's {@link WebhookReceiver}; then downloads each
 * item's result ({@code GET /jobs/{id}/items/{seq}/outputs/{name}}) and each job's ZIP, and checks
 * formats (read back by ImageIO), sizes, SHA-256 and that every job's end came as a signed webhook.
 */
final class UploadedConversions {
    /** What one uploaded file should become: the {@code convert} template's parameters. */
    record Options(String format, int quality, int scale) {
        Map<String, String> params() {
            return Map.of("format", format, "quality", String.valueOf(quality), "scale", String.valueOf(scale));
        }
    }

    /** The files the client uploads (written by setup into {@code WORK/upload}) and each one's options. */
    static final Map<String, Options> FILES = files();
    private static final long WAIT_SECONDS = 60;

    private final Api api;
    private final Path work;
    private final Expectations expect;

    UploadedConversions(Api api, Path work, Expectations expect) {
        this.api = api;
        this.work = work;
        this.expect = expect;
    }

    private static Map<String, Options> files() {
        Map<String, Options> files = new LinkedHashMap<>();
        files.put("photo-01.png", new Options("jpeg", 80, 50));
        files.put("photo-02.jpg", new Options("png", 85, 25));
        files.put("photo-03.png", new Options("gif", 85, 20));
        files.put("photo-04.jpg", new Options("jpeg", 80, 50));
        files.put("photo-05.png", new Options("bmp", 85, 10));
        files.put("photo-06.webp", new Options("png", 85, 25)); // read by TwelveMonkeys' ImageIO plugin
        return files;
    }

    /** Uploads, converts, downloads and checks; the receiver must have been given to the server's allowed hosts. */
    void run(String token, WebhookReceiver receiver) throws Exception {
        System.out.println("--- uploading " + FILES.size() + " images as photo-agency");
        List<Path> local = FILES.keySet().stream().map(work.resolve("upload")::resolve).toList();
        JsonNode upload = api.upload("/uploads?template=convert", token, local);
        Map<String, String> itemOf = new HashMap<>();
        for (JsonNode f : upload.path("files")) {
            Path file = work.resolve("upload").resolve(f.path("name").asText());
            expect.expect("uploaded " + f.path("name").asText() + ": size and SHA-256 as sent",
                    Files.size(file) + " " + sha256(Files.readAllBytes(file)), f.path("size").asLong() + " " + f.path("sha256").asText());
            itemOf.put(f.path("name").asText(), f.path("item").asText());
        }
        Map<Options, List<String>> groups = new LinkedHashMap<>();
        FILES.forEach((name, options) -> groups.computeIfAbsent(options, o -> new ArrayList<>()).add(name));
        Map<String, List<String>> jobs = new LinkedHashMap<>(); // job id -> its files, in item order
        Map<String, Options> optionsOf = new HashMap<>();
        for (Map.Entry<Options, List<String>> g : groups.entrySet()) {
            Options o = g.getKey();
            String name = "to-" + o.format() + "-" + o.scale() + "pct";
            JsonNode created = api.post("/jobs", token, Map.of("template", "convert", "name", name, "root", upload.path("root").asText(),
                    "items", g.getValue().stream().map(itemOf::get).toList(), "params", o.params(), "callback", receiver.url()), 201);
            String id = created.path("id").asText();
            System.out.printf("submitted %-16s %s %s%n", name, id, g.getValue());
            jobs.put(id, g.getValue());
            optionsOf.put(id, o);
        }

        List<WebhookReceiver.Delivery> deliveries = receiver.await(jobs.size(), WAIT_SECONDS);
        System.out.println("--- downloads");
        for (Map.Entry<String, List<String>> job : jobs.entrySet()) {
            String id = job.getKey();
            expect.expect("job " + id + " over uploads", "COMPLETED", api.get("/jobs/" + id, token).path("status").asText());
            Map<String, byte[]> downloaded = downloadOutputs(id, token, job.getValue(), optionsOf.get(id));
            Map<String, byte[]> zipped = unzip(api.download("/jobs/" + id + "/outputs.zip", token));
            expect.expect("job " + id + ": its ZIP holds SEQ/NAME of every result", downloaded.keySet(), zipped.keySet());
            expect.expectTrue("job " + id + ": each ZIP entry the same bytes as its download",
                    downloaded.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), zipped.get(e.getKey()))));
        }

        System.out.println("--- webhooks");
        expect.expectTrue("every delivery signed and fresh", deliveries.stream().allMatch(WebhookReceiver.Delivery::valid));
        expect.expect("a job_finished delivery per job", jobs.keySet(), deliveries.stream().filter(WebhookReceiver.Delivery::valid)
                .map(d -> d.summary().path("jobId").asText()).collect(java.util.stream.Collectors.toSet()));
        expect.expectTrue("every delivery says COMPLETED", deliveries.stream().filter(WebhookReceiver.Delivery::valid)
                .allMatch(d -> d.summary().path("status").asText().equals("COMPLETED")));
        byte[] body = deliveries.getFirst().summary().toString().getBytes(StandardCharsets.UTF_8);
        long now = Clock.systemUTC().instant().getEpochSecond();
        expect.expect("the receiver refuses a forged signature", 401,
                post(receiver.url(), String.valueOf(now), "v1=" + "0".repeat(64), body));
        long stale = now - WebhookReceiver.TOLERANCE.toSeconds() - 60;
        expect.expect("the receiver refuses a well-signed replay of 6 minutes ago", 401,
                post(receiver.url(), String.valueOf(stale), receiver.signature(String.valueOf(stale), body), body));
        expect.expect("the receiver takes a well-signed fresh one", 204,
                post(receiver.url(), String.valueOf(now), receiver.signature(String.valueOf(now), body), body));
    }

    /** Downloads every item's one result, checks it, and returns it under its ZIP name {@code SEQ/NAME}. */
    private Map<String, byte[]> downloadOutputs(String jobId, String token, List<String> files, Options o) throws Exception {
        Map<String, byte[]> results = new LinkedHashMap<>();
        for (int seq = 1; seq <= files.size(); seq++) {
            String input = files.get(seq - 1);
            String expectedName = input.replaceFirst("\\.[^.]*$", "") + "." + Convert.EXTENSIONS.get(o.format());
            JsonNode listed = api.get("/jobs/" + jobId + "/items/" + seq + "/outputs", token).path("files");
            expect.expect(input + ": one output named", List.of(expectedName), names(listed));
            if (listed.size() != 1) {
                continue;
            }
            JsonNode f = listed.get(0);
            byte[] bytes = api.download(URI.create(f.path("url").asText()).getPath().replaceFirst("^/api/v1", ""), token);
            int width = Math.round(SampleImages.WIDTH * o.scale() / 100f);
            String[] read = read(bytes);
            System.out.printf(Locale.ROOT, "  %-14s -> %-14s %-4s %5s %9d bytes  %s%n", input, expectedName, read[0], read[1] + "px",
                    bytes.length, f.path("sha256").asText().substring(0, 12) + "…");
            expect.expect(input + ": " + o.format() + " " + width + " px wide, size and SHA-256 as listed",
                    o.format() + " " + width + " " + f.path("size").asLong() + " " + f.path("sha256").asText(),
                    read[0] + " " + read[1] + " " + bytes.length + " " + sha256(bytes));
            results.put(seq + "/" + expectedName, bytes);
        }
        return results;
    }

    private static List<String> names(JsonNode files) {
        List<String> names = new ArrayList<>();
        files.forEach(f -> names.add(f.path("name").asText()));
        return names;
    }

    /** The format ImageIO recognises in {@code bytes} (lower case, "jpeg" for JPEG) and the image's width; "none" when it reads none. */
    private static String[] read(byte[] bytes) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return new String[] {"none", "0"};
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                return new String[] {reader.getFormatName().toLowerCase(Locale.ROOT), String.valueOf(reader.getWidth(0))};
            } finally {
                reader.dispose();
            }
        }
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private int post(String url, String timestamp, String signature, byte[] body) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .header("Bulwark-Timestamp", timestamp).header("Bulwark-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return api.http().send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
