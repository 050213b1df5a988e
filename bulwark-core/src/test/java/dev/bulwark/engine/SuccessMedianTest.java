package dev.bulwark.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SuccessMedianTest {
    @Test
    void there_is_no_median_before_the_first_success() {
        assertThat(new SuccessMedian().nanos()).isEqualTo(-1);
    }

    @Test
    void the_median_is_the_middle_duration_whatever_the_order_they_came_in() {
        SuccessMedian median = new SuccessMedian();
        for (long n : new long[] {900, 100, 500, 300, 700}) {
            median.add(n);
        }
        assertThat(median.nanos()).isEqualTo(500);
        median.add(50);
        assertThat(median.nanos()).isEqualTo(300); // the lower middle of an even count
    }

    @Test
    void only_the_most_recent_successes_count_once_the_window_is_full() {
        SuccessMedian median = new SuccessMedian();
        for (int i = 0; i < SuccessMedian.WINDOW; i++) {
            median.add(1_000);
        }
        for (int i = 0; i < SuccessMedian.WINDOW / 2; i++) {
            median.add(5_000);
        }
        assertThat(median.nanos()).isEqualTo(1_000);
        median.add(5_000);
        assertThat(median.nanos()).isEqualTo(5_000);
        for (int i = 0; i < SuccessMedian.WINDOW; i++) {
            median.add(2_000 + i % 3);
        }
        assertThat(median.nanos()).isEqualTo(2_001);
    }
}
