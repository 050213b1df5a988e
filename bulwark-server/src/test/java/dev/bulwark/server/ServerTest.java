package dev.bulwark.server;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test class with a fresh {@link ServerFixture} (real server, real ledger) per test. */
abstract class ServerTest {
    @TempDir
    Path dir;
    ServerFixture f;

    @BeforeEach
    void start() throws Exception {
        f = ServerFixture.start(dir);
    }

    @AfterEach
    void stop() {
        f.close();
    }
}
