package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.breaker.BreakerConfig.OnOpen;
import dev.bulwark.breaker.BreakerPolicy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a breaker counts by default, and what the review queue keeps for items an open breaker failed. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BreakerDefaultsTest {
    private final SettableClock clock = new SettableClock();

    private static final List<Integer> DOWNLOADS = IntStream.rangeClosed(1, 6).boxed().toList();

    private BatchBuilder<Integer> downloads(BreakerPolicy policy, Exception firstThree) {
        return Bulwark.batch(DOWNLOADS)
                .key(i -> "file-" + i)
                .scope(i -> "files.example.org:443")
                .handler(i -> {
                    if (i <= 3) {
                        throw firstThree;
                    }
                })
                .retry(Retry.none())
                .breaker(policy)
                .onOpen(OnOpen.FAIL)
                .clock(clock);
    }

    @Test
    void three_404s_do_not_open_the_hosts_breaker_by_default_so_its_healthy_downloads_succeed() {
        BatchResult result = downloads(BreakerPolicy.consecutive(3), new PermanentException("http:404", "HTTP 404 Not Found")).run();

        assertThat(result.failures().map(Item::category)).containsExactly("http:404", "http:404", "http:404");
        assertThat(result.succeeded()).isEqualTo(3);
        assertThat(result.breakers()).isEmpty();
        assertThat(BreakerPolicy.consecutive(3).counted()).containsExactlyInAnyOrder(ErrorClass.TRANSIENT, ErrorClass.CRITICAL);
    }

    @Test
    void permanent_failures_open_a_breaker_when_asked_and_its_rejections_keep_the_last_real_error() {
        BatchResult result = downloads(BreakerPolicy.consecutive(3).withCounted(Set.of(ErrorClass.PERMANENT)),
                new PermanentException("http:404", "HTTP 404 Not Found")).run();

        assertThat(result.succeeded()).isZero();
        assertThat(result.failures().filter(item -> item.seq() > 3)).hasSize(3).allSatisfy(item -> {
            assertThat(item.category()).isEqualTo("breaker-open");
            assertThat(item.message()).contains("the breaker of scope files.example.org:443 is open")
                    .contains("last error of the scope: http:404 HTTP 404 Not Found");
        });
    }

    @Test
    void transient_failures_open_a_breaker_by_default_and_its_rejections_name_the_last_one() {
        BatchResult result = downloads(BreakerPolicy.consecutive(3),
                new TransientException("connect", "connection refused")).run();

        assertThat(result.succeeded()).isZero();
        assertThat(result.failures().filter(item -> item.seq() > 3).map(Item::message))
                .hasSize(3).allSatisfy(m -> assertThat(m).contains("last error of the scope: connect connection refused"));
    }
}
