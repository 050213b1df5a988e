package dev.bulwark.examples.conversion;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** The example's client of the service's REST API ({@code java.net.http}, no other library): one call, one expected status. */
final class Api {
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;

    Api(String url) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    HttpClient http() {
        return http;
    }

    String url(String path) {
        return base + path;
    }

    JsonNode get(String path, String token) throws IOException, InterruptedException {
        return Json.MAPPER.readTree(send("GET", path, token, null, 200));
    }

    /** POSTs a JSON body and reads the JSON answer, which must come with {@code expected}. */
    JsonNode post(String path, String token, Object body, int expected) throws IOException, InterruptedException {
        return Json.MAPPER.readTree(send("POST", path, token, Json.write(body), expected));
    }

    String send(String method, String path, String token, String body, int expected) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path, token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return new String(call(b.build(), expected), StandardCharsets.UTF_8);
    }

    /** GETs a download (an output, a ZIP) as bytes. */
    byte[] download(String path, String token) throws IOException, InterruptedException {
        return call(request(path, token).GET().build(), 200);
    }

    /** POSTs {@code files} as one {@code multipart/form-data} body of {@code file} parts, each named by its file name. */
    JsonNode upload(String path, String token, List<Path> files) throws IOException, InterruptedException {
        String boundary = "bulwark-example-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Path file : files) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file.getFileName()
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(Files.readAllBytes(file));
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest r = request(path, token).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        return Json.MAPPER.readTree(call(r, 201));
    }

    private HttpRequest.Builder request(String path, String token) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
    }

    private byte[] call(HttpRequest request, int expected) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != expected) {
            throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " answered " + r.statusCode() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r.body();
    }
}
