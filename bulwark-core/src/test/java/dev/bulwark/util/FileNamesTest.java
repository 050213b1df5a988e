package dev.bulwark.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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

    @Test
    void a_name_that_is_not_utf8_is_kept_as_text_that_gives_its_bytes_back() throws IOException {
        Path latin1 = file("caf%E9-%C3%A9-%FF.txt");
        Path relative = dir.toAbsolutePath().getParent().relativize(latin1.toAbsolutePath());
        String key = FileNames.text(relative);
        assertThat(key).as("relative stays relative").isEqualTo(relative.getParent() + "/caf\uefe9-\u00e9-\uefff.txt");
        assertThat(FileNames.escape(key)).endsWith("/caf\\xe9-\u00e9-\\xff.txt");
        byte[] expected = (relative.getParent() + "/caf").getBytes(StandardCharsets.UTF_8);
        assertThat(FileNames.bytes(key, StandardCharsets.UTF_8)).as("the bytes on disk")
                .isEqualTo(concat(expected, new byte[] {(byte) 0xe9, '-', (byte) 0xc3, (byte) 0xa9, '-', (byte) 0xff,
                        '.', 't', 'x', 't'}));
        assertThat(Files.exists(Path.of(URI.create(dir.toUri() + "caf%E9-%C3%A9-%FF.txt")))).isTrue();
        assertThat(FileNames.text(latin1.toAbsolutePath())).startsWith("/").isEqualTo(dir.toAbsolutePath() + "/" + key.substring(key.lastIndexOf('/') + 1));
        assertThat(FileNames.withoutRawBytes(key)).doesNotContain("\uefe9").endsWith("/caf-\u00e9-.txt");
    }

    @Test
    void utf8_names_are_kept_as_they_are_and_reserved_characters_are_refused() throws IOException {
        Path plain = file("caf%C3%A9.txt");
        assertThat(FileNames.text(plain)).isEqualTo(plain.toString());
        assertThat(FileNames.bytes("caf\u00e9", StandardCharsets.UTF_8)).isEqualTo("caf\u00e9".getBytes(StandardCharsets.UTF_8));
        assertThat(FileNames.escape("a\\xe9")).as("a real backslash is left alone").isEqualTo("a\\xe9");
        Path reserved = file("x%EE%BE%80");
        assertThatThrownBy(() -> FileNames.text(reserved)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("/x\\uef80: the name holds a character from U+EF80 to U+EFFF, which Bulwark reserves for"
                        + " the bytes of names that are not UTF-8 (rename it)");
    }

    @Test
    void the_text_of_a_path_gives_the_same_path_back_relative_or_absolute() throws IOException {
        Path latin1 = file("caf%E9-%FF.txt").toAbsolutePath();
        Path relative = Path.of("").toAbsolutePath().relativize(latin1);
        for (Path p : java.util.List.of(latin1, relative)) {
            Path back = FileNames.path(FileNames.text(p));
            assertThat(back).as("from %s", FileNames.text(p)).isEqualTo(p);
            assertThat(back.isAbsolute()).isEqualTo(p.isAbsolute());
            assertThat(Files.exists(back)).isTrue();
        }
        Path plain = Path.of("in/a b.xml");
        assertThat(FileNames.path(FileNames.text(plain))).isEqualTo(plain);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
