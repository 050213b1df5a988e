package dev.bulwark.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.jdbc.SqliteLedger;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without tokens the dashboard needs no sign-in, but answers only to loopback host names (no DNS rebinding). */
class DashboardAnonymousTest {
    @TempDir
    Path dir;
    SqliteLedger ledger;
    BulwarkServer server;

    @BeforeEach
    void start() throws IOException {
        Path config = dir.resolve("bulwark.yaml");
        Files.writeString(config, "server: {port: 0}\ntemplates:\n  echo: {command: [echo], retries: 0}\n");
        ledger = SqliteLedger.open(dir.resolve("ledger.db"));
        server = BulwarkServer.builder().config(ServerConfig.load(config)).ledger(ledger).build().start();
    }

    @AfterEach
    void stop() {
        server.shutdown(Duration.ZERO);
        ledger.close();
    }

    /** The head of the answer to a GET with this Host header, sent as raw HTTP (clients refuse to set Host). */
    private String get(String path, String host) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void a_loopback_host_gets_the_dashboard_without_signing_in() throws IOException {
        String answer = get("/", "127.0.0.1:" + server.port());

        assertThat(answer).startsWith("HTTP/1.1 200").contains("Set-Cookie: bulwark_session=").contains("<title>Jobs");
        assertThat(get("/login", "localhost:" + server.port())).startsWith("HTTP/1.1 303").contains("Location: /");
    }

    @Test
    void another_host_name_pointing_at_the_server_gets_no_session() throws IOException {
        String answer = get("/", "rebound.example:" + server.port());

        assertThat(answer).startsWith("HTTP/1.1 403").doesNotContain("Set-Cookie").contains("application/problem+json")
                .contains("not to the host 'rebound.example:" + server.port() + "'");
        assertThat(get("/session", "rebound.example")).startsWith("HTTP/1.1 403");
    }
}
