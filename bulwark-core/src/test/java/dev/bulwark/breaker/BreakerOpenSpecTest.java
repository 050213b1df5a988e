package dev.bulwark.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.ValidationException;
import dev.bulwark.util.Choices;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The open-time spec of {@code --breaker-open} and of a service template's {@code breaker-open}, and enum choices. */
class BreakerOpenSpecTest {
    private final BreakerPolicy policy = BreakerPolicy.consecutive(3);

    @Test
    void a_fixed_open_time() {
        BreakerPolicy p = policy.withOpen("45s");
        assertThat(p.openFor()).isEqualTo(Duration.ofSeconds(45));
        assertThat(p.openTime(5)).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void a_growing_open_time_up_to_its_max_or_sixty_times_the_first() {
        BreakerPolicy p = policy.withOpen("30s, grow=2, max=2m");
        assertThat(p.openTime(0)).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.openTime(1)).isEqualTo(Duration.ofMinutes(1));
        assertThat(p.openTime(3)).isEqualTo(Duration.ofMinutes(2));
        assertThat(policy.withOpen("1s,grow=2").openMax()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void bad_specs_are_refused_naming_the_value() {
        assertThatThrownBy(() -> policy.withOpen("30s,often=2")).isInstanceOf(ValidationException.class)
                .hasMessage("breakerOpen must look like 60s, 30s,grow=2,max=10m or manual, but was '30s,often=2'");
        assertThatThrownBy(() -> policy.withOpen("30s,grow=x")).hasMessageContaining("grow must be a number like 2, but was 'x'");
        assertThatThrownBy(() -> policy.withOpen("30s,max=1m")).hasMessageContaining("max needs grow=F");
        assertThatThrownBy(() -> policy.withOpen(" ")).hasMessageContaining("but was ' '");
    }

    @Test
    void choices_take_any_case_and_dashes_and_name_the_setting_when_wrong() {
        assertThat(Choices.of("HALT", "on-open", BreakerConfig.OnOpen.class)).isEqualTo(BreakerConfig.OnOpen.HALT);
        assertThat(Choices.of(" pause ", "on-open", BreakerConfig.OnOpen.class)).isEqualTo(BreakerConfig.OnOpen.PAUSE);
        assertThatThrownBy(() -> Choices.of("stop", "templates.t.on-open", BreakerConfig.OnOpen.class))
                .hasMessage("templates.t.on-open must be one of pause, halt, fail, but was 'stop'");
    }
}
