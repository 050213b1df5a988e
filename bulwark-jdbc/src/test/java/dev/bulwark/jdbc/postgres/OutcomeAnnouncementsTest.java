package dev.bulwark.jdbc.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.EngineEvent;
import dev.bulwark.jdbc.PgSchemaExtension;
import dev.bulwark.jdbc.PostgresLedger;
import java.nio.charset.StandardCharsets;
import dev.bulwark.JobStatus;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Outcome announcements on a real PostgreSQL: split under its payload limit, in commit order, only once committed, per schema. */
class OutcomeAnnouncementsTest {
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("announce");

    private static final UUID JOB = UUID.randomUUID();

    private static List<EngineEvent> failures(int n, String message) {
        return IntStream.rangeClosed(1, n).mapToObj(seq -> (EngineEvent) new EngineEvent.ItemFailed(JOB,
                Instant.parse("2026-12-06T05:00:00Z"), seq, null, 1, null, null, null, "exit:3", message, null, null)).toList();
    }

    @Test
    void many_long_events_go_in_several_payloads_each_under_the_limit() {
        List<String> payloads = OutcomeAnnouncements.payloads(failures(300, "ü€𝄞".repeat(500)));

        assertThat(payloads).hasSizeGreaterThan(1);
        assertThat(payloads).allSatisfy(p -> assertThat(p.getBytes(StandardCharsets.UTF_8).length + 64)
                .isLessThanOrEqualTo(OutcomeAnnouncements.MAX_PAYLOAD));
        List<EngineEvent> back = new ArrayList<>();
        payloads.forEach(p -> back.addAll(OutcomeAnnouncements.decode("s", "s\n" + p)));
        assertThat(back).extracting(EngineEvent::seq).containsExactlyElementsOf(
                IntStream.rangeClosed(1, 300).mapToObj(i -> (long) i).toList());
        assertThat(back).allSatisfy(e -> assertThat(((EngineEvent.ItemFailed) e).message())
                .hasSizeLessThanOrEqualTo(OutcomeAnnouncements.MAX_MESSAGE).endsWith("…")
                .satisfies(m -> assertThat(Character.isHighSurrogate(m.charAt(m.length() - 2))).isFalse()));
        assertThat(OutcomeAnnouncements.decode("other", "s\n" + payloads.getFirst())).isEmpty();
        assertThat(OutcomeAnnouncements.decode("s", "s\nnot json")).isEmpty();
    }

    @Test
    void outcomes_without_a_category_or_error_class_are_announced_too() {
        Instant at = Instant.parse("2026-12-06T05:00:00Z");
        dev.bulwark.Attempt bare = new dev.bulwark.Attempt(JOB, 7, 1, at, at, dev.bulwark.AttemptOutcome.FAILED, null, null,
                null, null, 3, "w1", null);
        dev.bulwark.Attempt interrupted = new dev.bulwark.Attempt(JOB, 8, 1, at, at, dev.bulwark.AttemptOutcome.INTERRUPTED,
                null, null, null, null, 3, "w1", null);
        List<EngineEvent> events = List.of(
                dev.bulwark.engine.OutcomeEvents.of(null, dev.bulwark.ledger.Completion.of(bare, 1, dev.bulwark.ItemStatus.FAILED)),
                dev.bulwark.engine.OutcomeEvents.of(null, dev.bulwark.ledger.Completion.of(interrupted, 2,
                        dev.bulwark.ItemStatus.PENDING)));

        List<EngineEvent> back = OutcomeAnnouncements.decode("s", "s\n" + OutcomeAnnouncements.payloads(events).getFirst());
        assertThat(back).extracting(EngineEvent::type).containsExactly(EngineEvent.ITEM_FAILED, EngineEvent.ITEM_INTERRUPTED);
        assertThat(back.getFirst().data()).doesNotContainKeys("category", "error_class", "key").containsEntry("worker", "w1");
        assertThat(back).containsExactlyElementsOf(events);
    }

    @Test
    void a_listener_hears_committed_events_in_commit_order_and_never_rolled_back_ones() throws Exception {
        PostgresLedger ledger = PG.closeAfter(PostgresLedger.open(PG.url(null)));
        List<EngineEvent> heard = Collections.synchronizedList(new ArrayList<>());
        PG.closeAfter(ledger.onOutcomes(heard::add));

        try (Connection c = PG.db().connect(PG.schema())) {
            c.setAutoCommit(false);
            OutcomeAnnouncements.announceEvents(c, failures(2, "rolled back"));
            c.rollback();
            OutcomeAnnouncements.announceEvents(c, failures(200, "x".repeat(150)));
            c.commit();
            OutcomeAnnouncements.announceEvents(c, List.of(new EngineEvent.JobFinished(JOB,
                    Instant.parse("2026-12-06T05:00:01Z"), JobStatus.PARTIAL, null, 1, 1, 0, 0, 0L, null)));
            c.commit();
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> heard.size() >= 201);
        assertThat(heard).hasSize(201);
        assertThat(heard).extracting(EngineEvent::seq).startsWith(1L, 2L, 3L).endsWith(199L, 200L, 0L);
        assertThat(heard).noneMatch(e -> "rolled back".equals(e.data().get("message")));
        assertThat(heard.getLast()).isEqualTo(new EngineEvent.JobFinished(JOB, Instant.parse("2026-12-06T05:00:01Z"),
                JobStatus.PARTIAL, null, 1, 1, 0, 0, 0L, null));
    }
}
