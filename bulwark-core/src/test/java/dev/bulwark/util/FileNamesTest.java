package dev.bulwark.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File names that are not UTF-8 are recognised and shown exactly, escaped; UTF-8 names are left alone. */
class FileNamesTest {
    @TempDir
    Path dir;

    /** A file whose name holds exactly these bytes (given percent-encoded), created for real. */
    private Path file(String percentEncodedName) throws IOException {
        return Files.createFile(Path.of(URI.create(dir.toUri() + percentEncodedName)));
    }

    @Test
    void a_latin1_name_is_shown_with_its_bytes_escaped() throws IOException {
        Path latin1 = file("caf%E9.txt");
        assertThat(Files.exists(latin1)).isTrue();
        assertThat(latin1.getFileName().toString()).as("what Java makes of it").isEqualTo("caf\uFFFD.txt");
        assertThat(FileNames.notUtf8(latin1)).isEqualTo(dir.toAbsolutePath() + "/caf\\xe9.txt");
        assertThat(FileNames.notUtf8(file("%FF%FEx%C3%A9%25"))).endsWith("/\\xff\\xfex\u00e9%");
    }

    @Test
    void utf8_names_even_with_a_replacement_character_are_not_reported() throws IOException {
        assertThat(FileNames.notUtf8(file("caf%C3%A9.txt"))).isNull();
        assertThat(FileNames.notUtf8(file("real-%EF%BF%BD.txt"))).as("a real U+FFFD").isNull();
        assertThat(FileNames.notUtf8(dir.resolve("plain.txt"))).isNull();
    }
}
