package dev.bulwark.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests that run {@code bulwark} in this JVM ({@link Main#execute}) on a home in a temporary folder. */
abstract class InProcessCli {
    @TempDir
    Path tmp;

    Path home;
    /** What the last {@link #bulwark} call printed on standard output and standard error. */
    StringWriter out;
    StringWriter err;

    @BeforeEach
    void makeHome() {
        home = tmp.resolve("home");
    }

    /** Writes {@code lines} to {@code items.txt} in the temporary folder (an {@code --items} list); returns the file. */
    Path itemsFile(String lines) throws IOException {
        return Files.writeString(tmp.resolve("items.txt"), lines);
    }

    /** Runs {@code bulwark args…}; returns its exit code. */
    int bulwark(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
}
