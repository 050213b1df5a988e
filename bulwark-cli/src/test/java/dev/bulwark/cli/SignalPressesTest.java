package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SignalPressesTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SignalPresses presses = new SignalPresses(now::get);

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void signalsArrivingTogetherAsTimeoutSendsThemCountAsOnePress() {
        assertThat(presses.press()).isEqualTo(1);
        advanceMillis(1);
        assertThat(presses.press()).isZero();
        advanceMillis(300);
        assertThat(presses.press()).isZero();
    }

    @Test
    void aSignalHalfASecondAfterTheLastPressIsTheNextPress() {
        assertThat(presses.press()).isEqualTo(1);
        advanceMillis(SignalPresses.SAME_PRESS.toMillis());
        assertThat(presses.press()).isEqualTo(2);
        advanceMillis(10);
        assertThat(presses.press()).isZero();
        advanceMillis(2_000);
        assertThat(presses.press()).isEqualTo(3);
    }
}
