package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Messages of the Java API speak of the builder, and name an exception's class once. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ApiMessagesTest {
    private final SettableClock clock = new SettableClock();

    @Test
    void an_ordered_batch_with_more_concurrency_names_the_builder_settings_not_command_line_options() {
        assertThatThrownBy(() -> Bulwark.strings(List.of("a")).handler(k -> { }).ordered().concurrency(4).clock(clock).run())
                .isInstanceOf(ValidationException.class)
                .hasMessage(".ordered() runs one item at a time (item n+1 starts once item n is final), so it needs "
                        + ".concurrency(1), but concurrency was 4")
                .message().doesNotContain("--");
    }

    @Test
    void a_connect_exception_around_a_connect_exception_names_its_class_once() {
        ConnectException inner = new ConnectException("Connection refused");
        ConnectException outer = new ConnectException();
        outer.initCause(inner);
        IOException wrapped = new IOException(new ConnectException("Connection refused"));

        BatchResult result = Bulwark.strings(List.of("same", "wrapped"))
                .handler(k -> {
                    throw k.equals("same") ? outer : wrapped;
                })
                .retry(Retry.none())
                .clock(clock)
                .run();

        assertThat(result.failures().map(Item::message))
                .containsExactly("ConnectException: Connection refused", "IOException: ConnectException: Connection refused");
    }
}
