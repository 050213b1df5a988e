package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.util.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every engine event's record against its stored form: the type name and the JSON object of its
 * fields, as the version before the records wrote them (the ledgers' event rows, the JSON-lines
 * log, the SSE and NOTIFY payloads all carry that object).
 */
class EngineEventTest {
    private static final UUID JOB = UUID.fromString("6f1c2a4e-0b7d-4c55-9d0e-3a2b1c4d5e6f");
    private static final Instant AT = Instant.parse("2026-03-01T10:15:30.123Z");
    private static final Instant LATER = Instant.parse("2026-03-01T10:20:00Z");

    /** Each record, with the seq it carries and the JSON the previous version stored for the same event. */
    static Stream<Arguments> events() {
        return Stream.of(
                Arguments.of(new EngineEvent.JobStarted(JOB, AT, "nightly", 3, "host-1:42", Map.of("concurrency", 4)), 0,
                        "{\"name\":\"nightly\",\"total\":3,\"worker\":\"host-1:42\",\"config\":{\"concurrency\":4}}"),
                Arguments.of(new EngineEvent.ItemsFound(JOB, AT, 3), 0, "{\"count\":3}"),
                Arguments.of(new EngineEvent.ItemStarted(JOB, AT, 2, "b.csv", 1), 2, "{\"key\":\"b.csv\",\"attempt\":1}"),
                Arguments.of(new EngineEvent.ItemSucceeded(JOB, AT, 2, "b.csv", 1, Duration.ofMillis(1500), "host-1:42", 0), 2,
                        "{\"key\":\"b.csv\",\"attempt\":1,\"duration_ms\":1500,\"worker\":\"host-1:42\",\"exit_code\":0}"),
                Arguments.of(new EngineEvent.ItemSucceeded(JOB, AT, 2, null, 1, Duration.ofMillis(7), null, null), 2,
                        "{\"attempt\":1,\"duration_ms\":7}"),
                Arguments.of(new EngineEvent.ItemFailed(JOB, AT, 2, "b.csv", 3, Duration.ofMillis(20), null, 2, "exit:2", "boom",
                        ErrorClass.PERMANENT, null), 2, "{\"key\":\"b.csv\",\"attempt\":3,\"duration_ms\":20,\"exit_code\":2,"
                        + "\"category\":\"exit:2\",\"message\":\"boom\",\"error_class\":\"permanent\"}"),
                Arguments.of(new EngineEvent.ItemFailed(JOB, AT, 4, "d.csv", 0, null, null, null, "breaker-open",
                        "the breaker of scope db is open", ErrorClass.PERMANENT, "db"), 4,
                        "{\"key\":\"d.csv\",\"category\":\"breaker-open\",\"message\":\"the breaker of scope db is open\","
                        + "\"error_class\":\"permanent\",\"scope\":\"db\"}"),
                Arguments.of(new EngineEvent.ItemRetryScheduled(JOB, AT, 2, "b.csv", 1, Duration.ofMillis(30000), "w", null,
                        "timeout", "timed out after 30s", ErrorClass.TRANSIENT, LATER), 2,
                        "{\"key\":\"b.csv\",\"attempt\":1,\"duration_ms\":30000,\"worker\":\"w\",\"category\":\"timeout\","
                        + "\"message\":\"timed out after 30s\",\"error_class\":\"transient\",\"retry_at\":\"2026-03-01T10:20:00Z\"}"),
                Arguments.of(new EngineEvent.ItemInterrupted(JOB, AT, 2, "b.csv", 1, Duration.ofMillis(5), null, 143, "interrupted",
                        "stopped"), 2, "{\"key\":\"b.csv\",\"attempt\":1,\"duration_ms\":5,\"exit_code\":143,"
                        + "\"category\":\"interrupted\",\"message\":\"stopped\"}"),
                Arguments.of(new EngineEvent.ItemsRecovered(JOB, AT, 2, "2 attempt(s) interrupted by a crash were recorded as "
                        + "interrupted"), 0, "{\"count\":2,\"message\":\"2 attempt(s) interrupted by a crash were recorded as "
                        + "interrupted\"}"),
                Arguments.of(new EngineEvent.JobHalting(JOB, AT, "max failures (3) reached", 5), 0,
                        "{\"reason\":\"max failures (3) reached\",\"skipped\":5}"),
                Arguments.of(new EngineEvent.RollbackStarted(JOB, AT, 3), 0, "{\"items\":3}"),
                Arguments.of(new EngineEvent.ItemCompensated(JOB, AT, 2, "b.csv", 1, Duration.ofMillis(12)), 2,
                        "{\"key\":\"b.csv\",\"attempt\":1,\"duration_ms\":12}"),
                Arguments.of(new EngineEvent.ItemCompensationFailed(JOB, AT, 2, "b.csv", 1, Duration.ofMillis(12), "exit:1", "no"), 2,
                        "{\"key\":\"b.csv\",\"attempt\":1,\"duration_ms\":12,\"category\":\"exit:1\",\"message\":\"no\"}"),
                Arguments.of(new EngineEvent.JobPaused(JOB, AT, "paused by request"), 0, "{\"reason\":\"paused by request\"}"),
                Arguments.of(new EngineEvent.JobFinished(JOB, AT, JobStatus.PARTIAL, "1 item(s) failed", 2, 1, 0, 4, null,
                        Duration.ofMillis(1234)), 0, "{\"status\":\"PARTIAL\",\"reason\":\"1 item(s) failed\",\"succeeded\":2,"
                        + "\"failed\":1,\"skipped\":0,\"retries\":4,\"duration_ms\":1234}"),
                Arguments.of(new EngineEvent.JobFinished(JOB, AT, JobStatus.COMPLETED, null, 3, 0, 0, 0, 1L, null), 0,
                        "{\"status\":\"COMPLETED\",\"succeeded\":3,\"failed\":0,\"skipped\":0,\"retries\":0,\"interruptions\":1}"),
                Arguments.of(new EngineEvent.BreakerOpened(JOB, AT, "db", State.CLOSED, LATER, 1, "5 consecutive failures"), 0,
                        "{\"scope\":\"db\",\"from\":\"CLOSED\",\"to\":\"OPEN\",\"open_until\":\"2026-03-01T10:20:00Z\","
                        + "\"reopens\":1,\"reason\":\"5 consecutive failures\"}"),
                Arguments.of(new EngineEvent.BreakerHalfOpen(JOB, AT, "db", State.OPEN, 1, "open time passed"), 0,
                        "{\"scope\":\"db\",\"from\":\"OPEN\",\"to\":\"HALF_OPEN\",\"reopens\":1,\"reason\":\"open time passed\"}"),
                Arguments.of(new EngineEvent.BreakerClosed(JOB, AT, "db", State.HALF_OPEN, 0, "reset by hand"), 0,
                        "{\"scope\":\"db\",\"from\":\"HALF_OPEN\",\"to\":\"CLOSED\",\"reopens\":0,\"reason\":\"reset by hand\"}"),
                Arguments.of(new EngineEvent.ConfigRevised(JOB, AT, 2, "resume", Map.of("retries", "2 -> 5")), 0,
                        "{\"revision\":2,\"by\":\"resume\",\"changes\":{\"retries\":\"2 -> 5\"}}"),
                Arguments.of(new EngineEvent.ItemOutputs(JOB, AT, 2, 1, List.of(new EngineEvent.ItemOutputs.File("out.txt", 3, "ab12"))),
                        2, "{\"attempt\":1,\"files\":[{\"name\":\"out.txt\",\"size\":3,\"sha256\":\"ab12\"}]}"));
    }

    @ParameterizedTest
    @MethodSource("events")
    void a_record_is_stored_as_the_previous_version_stored_it_and_reads_back_as_itself(EngineEvent event, long seq, String stored) {
        assertThat(Json.write(event)).isEqualTo(stored);
        assertThat(event.data()).isEqualTo(Json.read(stored, Map.class));
        assertThat(event.seq()).isEqualTo(seq);

        assertThat(EngineEvent.of(event.type(), JOB, AT, seq, event.data())).isEqualTo(event);
        assertThat(EngineEvent.of(event.type(), JOB, AT, seq, Json.read(stored, Map.class))).isEqualTo(event);
    }

    @ParameterizedTest
    @MethodSource("events")
    void a_row_of_the_previous_version_reads_back_whatever_the_order_of_its_fields(EngineEvent event, long seq, String stored) {
        Map<String, Object> reversed = new java.util.LinkedHashMap<>();
        List<Map.Entry<String, Object>> fields = new ArrayList<>(Json.read(stored, Map.class).entrySet());
        java.util.Collections.reverse(fields);
        fields.forEach(f -> reversed.put(f.getKey(), f.getValue()));

        assertThat(EngineEvent.of(event.type(), JOB, AT, seq, reversed)).isEqualTo(event);
    }

    @Test
    void every_type_this_version_knows_has_its_record_and_a_case_above() {
        Set<String> covered = new HashSet<>();
        events().forEach(a -> covered.add(((EngineEvent) a.get()[0]).type()));

        assertThat(covered).isEqualTo(EngineEvent.types().keySet());
        EngineEvent.types().forEach((type, record) -> assertThat(record.isRecord()).as(type).isTrue());
    }

    @Test
    void a_type_this_version_does_not_know_reads_back_as_other_with_its_fields() {
        Map<String, Object> data = Map.of("worker", "host-2:7", "lease_s", 30);

        EngineEvent e = EngineEvent.of("worker_joined", JOB, AT, 0, data);

        assertThat(e).isEqualTo(new EngineEvent.Other("worker_joined", JOB, AT, 0, data));
        assertThat(e.type()).isEqualTo("worker_joined");
        assertThat(e.data()).isEqualTo(data);
        assertThat(Json.read(Json.write(e), Map.class)).isEqualTo(data);
        assertThat(e.kept()).isTrue();
    }

    @Test
    void a_known_type_whose_fields_do_not_fit_reads_back_as_other_and_a_newer_field_is_ignored() {
        Map<String, Object> sideways = Map.of("scope", "db", "from", "SIDEWAYS", "to", "OPEN", "reopens", 0);
        Map<String, Object> noScope = Map.of("from", "CLOSED", "to", "OPEN", "reopens", 0);
        Map<String, Object> newer = Map.of("count", 3, "source", "s3://bucket");

        assertThat(EngineEvent.of(EngineEvent.BREAKER_OPENED, JOB, AT, 0, sideways))
                .isEqualTo(new EngineEvent.Other(EngineEvent.BREAKER_OPENED, JOB, AT, 0, sideways));
        assertThat(EngineEvent.of(EngineEvent.BREAKER_OPENED, JOB, AT, 0, noScope)).isInstanceOf(EngineEvent.Other.class);
        assertThat(EngineEvent.of(EngineEvent.ITEMS_FOUND, JOB, AT, 0, newer)).isEqualTo(new EngineEvent.ItemsFound(JOB, AT, 3));
    }

    @Test
    void breaker_state_comes_from_the_latest_breaker_record_of_each_scope() {
        Instant until = AT.plusSeconds(60);
        List<EngineEvent> events = List.of(
                new EngineEvent.BreakerOpened(JOB, AT, "db", State.CLOSED, until, 0, "5 consecutive failures"),
                new EngineEvent.ItemsFound(JOB, AT, 3),
                new EngineEvent.BreakerOpened(JOB, AT, "api", State.CLOSED, until, 2, "50% failed"),
                new EngineEvent.BreakerHalfOpen(JOB, AT.plusSeconds(61), "db", State.OPEN, 0, "open time passed"),
                // written by a newer version: leaves db as it was
                EngineEvent.of(EngineEvent.BREAKER_CLOSED, JOB, AT.plusSeconds(62), 0, Map.of("scope", "db", "from", "LIMBO")));

        assertThat(BreakerStatus.latest(events)).containsExactly(
                new BreakerStatus("db", State.HALF_OPEN, AT.plusSeconds(61), null, 0, "open time passed"),
                new BreakerStatus("api", State.OPEN, AT, until, 2, "50% failed"));
    }

    @Test
    void a_transition_becomes_the_record_of_the_state_it_entered() {
        CircuitBreaker.Transition t = new CircuitBreaker.Transition("db", State.CLOSED, State.OPEN, AT, LATER, "3 consecutive failures");

        EngineEvent.BreakerEvent e = EngineEvent.BreakerEvent.of(JOB, t, 2);

        assertThat(e).isEqualTo(new EngineEvent.BreakerOpened(JOB, AT, "db", State.CLOSED, LATER, 2, "3 consecutive failures"));
        assertThat(e.to()).isEqualTo(State.OPEN);
        assertThat(e.data()).containsEntry("to", "OPEN").containsEntry("open_until", LATER.toString());
    }

    @Test
    void listeners_switch_over_the_records() {
        List<String> seen = new ArrayList<>();
        for (EngineEvent e : List.of(new EngineEvent.ItemsFound(JOB, AT, 3),
                new EngineEvent.BreakerOpened(JOB, AT, "db", State.CLOSED, LATER, 0, "down"),
                new EngineEvent.Other("worker_joined", JOB, AT, 0, Map.of()))) {
            seen.add(switch (e) {
                case EngineEvent.ItemsFound f -> "found " + f.count();
                case EngineEvent.BreakerOpened o -> "opened " + o.scope() + " until " + o.openUntil();
                case EngineEvent.Other o -> "unknown " + o.type();
                default -> "other";
            });
        }

        assertThat(seen).containsExactly("found 3", "opened db until " + LATER, "unknown worker_joined");
    }

    @Test
    void per_item_successes_and_starts_are_not_kept() {
        assertThat(new EngineEvent.ItemSucceeded(JOB, AT, 1, "a", 1, Duration.ZERO, null, null).kept()).isFalse();
        assertThat(new EngineEvent.ItemStarted(JOB, AT, 1, "a", 1).kept()).isFalse();
        assertThat(new EngineEvent.ItemFailed(JOB, AT, 1, "a", 1, Duration.ZERO, null, null, "x", null, ErrorClass.PERMANENT, null)
                .kept()).isTrue();
    }

    @Test
    void an_event_needs_a_type() {
        assertThatThrownBy(() -> EngineEvent.of(null, JOB, AT, 0, Map.of())).isInstanceOf(NullPointerException.class);
    }
}
