package dev.bulwark.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.jdbc.PgSchemaExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process (the packaged jar) frozen with its commands past its lease, as a paused
 * machine is, then continued: its first act is to fence the attempt whose lease may have expired,
 * whose command never runs on, while the other worker runs that item. Every execution notes its
 * start and its end in a file: no item runs on two workers at once, the frozen execution never
 * ends, every item has exactly one success and the job ends once.
 */
class SelfFencingIT {
    private static final int ITEMS = 30;
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Notes start and end (or stop) with the wall clock in nanoseconds; every fifth item runs 4 s, the others 0.3 s. */
    private static final String SCRIPT = "f=\"$1\"; s=$BULWARK_ITEM_SEQ; a=$BULWARK_ATTEMPT; "
            + "echo \"start $s $a $(date +%s%N)\" >> \"$f\"; "
            + "trap 'echo \"stop $s $a $(date +%s%N)\" >> \"$f\"; exit 143' TERM; "
            + "case $s in *0|*5) t=4 ;; *) t=0.3 ;; esac; sleep $t & wait $!; "
            + "echo \"end $s $a $(date +%s%N)\" >> \"$f\"";
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("fencing_it");

    @TempDir
    Path work;

    private BulwarkProcess worker(String name) {
        return WorkersIT.worker(work, PG, name, 2, 2);
    }

    private long query(String sql) {
        return WorkersIT.query(PG, sql);
    }

    /** Whether the command of item {@code seq} started and has not ended (nor stopped) yet. */
    private boolean running(Path log, long seq) {
        List<Note> notes = notes(log);
        return seq > 0 && notes.stream().anyMatch(n -> n.what().equals("start") && n.seq() == seq && notes.stream()
                .noneMatch(e -> !e.what().equals("start") && e.seq() == seq && e.attempt() == n.attempt()));
    }

    /** One line of the executions file. */
    private record Note(String what, long seq, int attempt, long nanos) {
    }

    private List<Note> notes(Path file) {
        List<Note> notes = new ArrayList<>();
        try {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    String[] f = line.split(" ");
                    if (f.length == 4) { // a line being written is complete once it has its time
                        notes.add(new Note(f[0], Long.parseLong(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3])));
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return notes;
    }

    @Test
    void a_worker_frozen_past_its_lease_fences_its_attempt_first_on_waking() throws Exception {
        Path log = work.resolve("executions.txt");
        Files.write(work.resolve("items.txt"), IntStream.rangeClosed(1, ITEMS).mapToObj(i -> "item-" + i).toList());
        BulwarkProcess.run(work, "submit", "--store", PG.url(null), "--items", "items.txt", "--concurrency", "4",
                "--kill-grace", "200ms", "--", "sh", "-c", SCRIPT, "sh", log.toString()).expectExit(0);
        BulwarkProcess frozen = worker("w1");

        // w1 runs a long item (alone, so the item is its); then the other worker starts.
        String longHeld = "SELECT min(seq) FROM items WHERE status = 'RUNNING' AND lease_owner = 'w1' AND seq % 5 = 0";
        BulwarkProcess.await(() -> running(log, query(longHeld)), WAIT, () -> "w1 never ran a long item\n" + frozen.describe());
        long held = query(longHeld);
        BulwarkProcess steady = worker("w2");

        // Freeze w1 and its commands, as a paused machine.
        assertThat(BulwarkProcess.signal("STOP", frozen.pid())).isTrue();
        List<ProcessHandle> commands = frozen.descendants();
        commands.forEach(p -> BulwarkProcess.signal("STOP", p.pid()));
        long frozenAt = System.currentTimeMillis() * 1_000_000L;
        // Frozen past its lease: w2 takes the item over and runs it.
        BulwarkProcess.await(() -> notes(log).stream().anyMatch(n -> n.what().equals("start") && n.seq() == held
                && n.attempt() > 1), WAIT, () -> "item " + held + " never taken over\n" + steady.describe());

        // The worker wakes first; its commands stay frozen until it has looked at its leases.
        List<ProcessHandle> heldCommands = commands.stream().filter(p -> environ(p).contains("BULWARK_ITEM_SEQ=" + held + "\0"))
                .toList();
        assertThat(heldCommands).as("the commands of item " + held).isNotEmpty();
        assertThat(BulwarkProcess.signal("CONT", frozen.pid())).isTrue();
        frozen.awaitStderr(l -> l.contains("resumed after a pause"), WAIT);
        frozen.awaitStderr(l -> l.contains("the lease of item " + held + " ") && l.contains("may have expired"), WAIT);
        // The fenced command is killed while frozen (TERM, then KILL after the kill grace): it never runs on.
        BulwarkProcess.awaitGone(heldCommands, WAIT);
        commands.forEach(p -> BulwarkProcess.signal("CONT", p.pid()));

        BulwarkProcess.await(() -> query("SELECT count(*) FROM jobs WHERE status IN ('COMPLETED', 'PARTIAL', 'FAILED')") == 1,
                WAIT, () -> "job not finished\n" + frozen.describe() + "\n" + steady.describe());
        frozen.sigterm();
        steady.sigterm();
        assertThat(frozen.awaitExit(WAIT)).as(frozen.describe()).isZero();
        assertThat(steady.awaitExit(WAIT)).as(steady.describe()).isZero();

        assertThat(query("SELECT count(*) FROM jobs WHERE status = 'COMPLETED'")).isEqualTo(1);
        assertThat(query("SELECT count(*) FROM items i WHERE (SELECT count(*) FROM attempts a WHERE a.job_pk = i.job_pk "
                + "AND a.seq = i.seq AND a.outcome = 'SUCCEEDED') <> 1")).isZero();
        assertThat(query("SELECT count(*) FROM events WHERE type = 'job_finished'")).isEqualTo(1);
        assertThat(frozen.stderr()).containsPattern("[1-9][0-9]* attempt\\(s\\) fenced");

        List<Note> notes = notes(log);
        // Each item's work ended, and the frozen execution never reached its end: the held item ended once, by
        // the takeover. Another item may have ended twice, by two attempts: one whose command ended on w1 just
        // before the freeze, its outcome not committed yet, runs again on w2 (at least once, as promised); its
        // first end is then before the freeze.
        Map<Long, List<Note>> ends = new HashMap<>();
        notes.stream().filter(n -> n.what().equals("end")).forEach(n -> ends.computeIfAbsent(n.seq(), k -> new ArrayList<>()).add(n));
        assertThat(ends).hasSize(ITEMS);
        assertThat(ends.get(held)).as("ends of the held item " + held).hasSize(1);
        ends.forEach((seq, list) -> {
            list.sort((x, y) -> Long.compare(x.nanos(), y.nanos()));
            assertThat(list.stream().map(Note::attempt).distinct().count()).as("attempts ending item " + seq).isEqualTo(list.size());
            assertThat(list.subList(0, list.size() - 1)).as("earlier ends of item " + seq)
                    .allSatisfy(n -> assertThat(n.nanos()).isLessThan(frozenAt));
        });
        // No two executions of an item at once. One that never noted its end or stop was the frozen one: it ran
        // until the freeze, and was killed before it could run again.
        long overlap = 0;
        for (long seq = 1; seq <= ITEMS; seq++) {
            List<long[]> spans = new ArrayList<>();
            for (Note start : notes) {
                if (start.what().equals("start") && start.seq() == seq) {
                    long end = notes.stream().filter(n -> !n.what().equals("start") && n.seq() == start.seq()
                            && n.attempt() == start.attempt()).mapToLong(Note::nanos).findFirst().orElse(frozenAt);
                    spans.add(new long[] {start.nanos(), end});
                }
            }
            spans.sort((x, y) -> Long.compare(x[0], y[0]));
            for (int i = 1; i < spans.size(); i++) {
                overlap = Math.max(overlap, spans.get(i - 1)[1] - spans.get(i)[0]);
            }
        }
        System.out.printf("SelfFencingIT: longest overlap of one item on two workers: %.1f ms%n", overlap / 1e6);
        assertThat(overlap).isLessThanOrEqualTo(0);
    }

    private static String environ(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + p.pid() + "/environ")), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
