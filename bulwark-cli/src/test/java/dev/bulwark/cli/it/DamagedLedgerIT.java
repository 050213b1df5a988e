package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A damaged ledger, as each kind of damage leaves it, is never written into: commands that write
 * exit with code 5 and one line saying what to do; read-only commands give one line and exit 5
 * where they meet the damage, never a stack trace.
 */
class DamagedLedgerIT {
    private static final int PAGE = 4096;

    @TempDir
    Path work;
    private Path home;
    private UUID job;

    /** The kinds of damage, each applied to a home whose one job completed. */
    enum Damage {
        TRUNCATED {
            @Override
            void apply(Path ledger) throws IOException {
                try (RandomAccessFile f = new RandomAccessFile(ledger.toFile(), "rw")) {
                    f.setLength(f.length() / 2);
                }
            }
        },
        GARBAGE_PAGE {
            @Override
            void apply(Path ledger) throws IOException {
                overwrite(ledger, Files.size(ledger) / PAGE / 2 * PAGE, PAGE);
            }
        },
        GARBAGE_HEADER {
            @Override
            void apply(Path ledger) throws IOException {
                overwrite(ledger, 0, 100);
            }
        },
        NOT_A_DATABASE {
            @Override
            void apply(Path ledger) throws IOException {
                Files.writeString(ledger, "not a ledger\n".repeat(1000));
            }
        };

        abstract void apply(Path ledger) throws IOException;
    }

    @BeforeEach
    void completedJob() throws IOException {
        home = work.resolve("home");
        Path items = Files.write(work.resolve("items.txt"), IntStream.rangeClosed(1, 2000)
                .mapToObj(i -> "an-item-with-a-longer-name-" + i).toList());
        BulwarkProcess.Result r = BulwarkProcess.run(work, "run", "--home", home.toString(), "--items", items.toString(),
                "--concurrency", "8", "--quiet", "--", "true").expectExit(0);
        job = UUID.fromString(r.stderr().lines().filter(l -> l.startsWith("bulwark: job ")).findFirst().orElseThrow()
                .substring("bulwark: job ".length(), "bulwark: job ".length() + 36));
    }

    private static void overwrite(Path file, long offset, int length) throws IOException {
        byte[] garbage = new byte[length];
        new Random(7).nextBytes(garbage);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(garbage), offset);
        }
    }

    /** Whether {@code file} still holds exactly what {@code copy} holds. */
    private static boolean unchanged(Path file, Path copy) throws IOException {
        return Files.mismatch(file, copy) == -1;
    }

    private static void oneLineNoTrace(BulwarkProcess.Result r, String command) {
        assertThat(r.stderr().lines().toList()).as(command + ": " + r.stderr()).hasSize(1);
        assertThat(r.stderr()).as(command).startsWith("bulwark: ").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void commands_that_write_refuse_a_damaged_ledger_with_exit_5_and_one_line(Damage damage) throws Exception {
        Path ledger = home.resolve("ledger.db");
        damage.apply(ledger);
        Path before = Files.copy(ledger, work.resolve("damaged-copy.db"));
        Files.writeString(work.resolve("more.txt"), "x\n");
        Path marker = work.resolve("ran");
        for (List<String> command : List.of(
                List.of("run", "--home", home.toString(), "--items", "more.txt", "--", "touch", marker.toString()),
                List.of("resume", job.toString(), "--home", home.toString()),
                List.of("retry-failed", job.toString(), "--home", home.toString()),
                List.of("prune", "--older-than", "0s", "--home", home.toString()))) {
            BulwarkProcess.Result r = BulwarkProcess.run(work, command.toArray(String[]::new));
            assertThat(r.exitCode()).as(command + ": " + r.stderr()).isEqualTo(5);
            oneLineNoTrace(r, command.getFirst());
            assertThat(r.stderr()).as(command.getFirst()).contains("is damaged").contains("Restore the last backup");
            assertThat(unchanged(ledger, before)).as(command.getFirst() + " wrote into the damaged ledger").isTrue();
        }
        assertThat(marker).as("nothing ran").doesNotExist();
        for (String command : List.of("list", "status", "export")) {
            BulwarkProcess.Result r = command.equals("list") ? BulwarkProcess.run(work, "list", "--home", home.toString())
                    : BulwarkProcess.run(work, command, job.toString(), "--home", home.toString());
            assertThat(r.exitCode()).as(command + ": " + r.stderr()).isIn(0, 5);
            if (r.exitCode() == 5) {
                oneLineNoTrace(r, command);
                assertThat(r.stderr()).as(command).contains("damaged");
            }
        }
        BulwarkProcess.Result export = BulwarkProcess.run(work, "export", job.toString(), "--home", home.toString());
        if (damage == Damage.GARBAGE_HEADER || damage == Damage.NOT_A_DATABASE) {
            assertThat(export.exitCode()).as(export.stderr()).isEqualTo(5);
        }
        assertThat(unchanged(ledger, before)).as("read-only commands wrote into the damaged ledger").isTrue();
    }
}
