package io.kvcache.slave.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Scores as glibc reads and prints them; the expected strings are printf("%.17g") on glibc 2.36. */
class ScoresTests {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0.1|0.10000000000000001", "1.5|1.5", "3|3", "-2.5|-2.5", "1e20|1e+20", "1.1|1.1000000000000001",
        "123456789012345678.0|1.2345678901234568e+17", "1e-5|1.0000000000000001e-05", "0.0001|0.0001",
        "2.5e-10|2.5000000000000002e-10", "-0.0|-0", "1e16|10000000000000000", "1e17|1e+17",
        "99999999999999999.0|1e+17", "1.7976931348623157e308|1.7976931348623157e+308",
        "4.9e-324|4.9406564584124654e-324"})
    void printsAsPrintfPercentPoint17g(double value, String printed) {
        assertThat(Scores.format(value)).isEqualTo(printed);
    }

    @Test
    void printsInfinitiesAsRedis() {
        assertThat(Scores.format(Double.POSITIVE_INFINITY)).isEqualTo("inf");
        assertThat(Scores.format(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"1|1.0", "-1.5e3|-1500.0", "5.|5.0", ".5|0.5", "0x10|16.0", "0x1.8p1|3.0",
        "inf|Infinity", "-Infinity|-Infinity", "+INF|Infinity", "4.9e-324|4.9E-324"})
    void readsWhatStrtodReads(String text, double value) {
        assertThat(Scores.parseStrict(text.getBytes(StandardCharsets.ISO_8859_1))).isEqualTo(value);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"1e400", "1e-400", "nan", "abc", "' 1'", "'1 '", "1e", "+", "0x", "1d", "''"})
    void refusesWhatRedisRefuses(String text) {
        assertThatThrownBy(() -> Scores.parseStrict(text.getBytes(StandardCharsets.ISO_8859_1)))
                .isInstanceOf(Scores.NotAScore.class);
    }

    @Test
    void aRangeBoundMayBeEmptyOrStartWithBlanksAndOverflows() {
        assertThat(Scores.parseBound(new byte[0], 0)).isZero();
        assertThat(Scores.parseBound(" 2".getBytes(StandardCharsets.ISO_8859_1), 0)).isEqualTo(2.0);
        assertThat(Scores.parseBound("(1e400".getBytes(StandardCharsets.ISO_8859_1), 1)).isEqualTo(Double.POSITIVE_INFINITY);
    }
}
