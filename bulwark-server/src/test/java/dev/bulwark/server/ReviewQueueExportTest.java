package dev.bulwark.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReviewQueueExportTest {

    @Test
    void values_a_spreadsheet_would_run_as_formulas_become_plain_text_in_csv() {
        assertThat(ReviewQueueExport.safe("=HYPERLINK(\"http://evil\")")).isEqualTo("'=HYPERLINK(\"http://evil\")");
        assertThat(ReviewQueueExport.safe("+1")).isEqualTo("'+1");
        assertThat(ReviewQueueExport.safe("-1")).isEqualTo("'-1");
        assertThat(ReviewQueueExport.safe("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(ReviewQueueExport.safe("\tx")).isEqualTo("'\tx");
    }

    @Test
    void ordinary_values_stay_as_they_are() {
        assertThat(ReviewQueueExport.safe("inbox/a=b.txt")).isEqualTo("inbox/a=b.txt");
        assertThat(ReviewQueueExport.safe("")).isEmpty();
        assertThat(ReviewQueueExport.safe(null)).isNull();
    }
}
