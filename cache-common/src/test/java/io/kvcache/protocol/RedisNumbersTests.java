package io.kvcache.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link RedisNumbers#parseLong} accepts exactly what util.c string2ll accepts. */
class RedisNumbersTests {

    private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
    /** string2ll's syntax: "0", or an optional '-' and a digit 1-9 followed by digits. */
    private static final Pattern CANONICAL = Pattern.compile("0|-?[1-9][0-9]*");

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "-1", "9", "10", "42", "-42", "1000000", "9223372036854775807",
            "-9223372036854775808", "9223372036854775806", "-9223372036854775807", "922337203685477580",
            "-922337203685477580"})
    void canonicalIntegersInRangeAreAccepted(String s) {
        assertThat(RedisNumbers.parseLong(bytes(s))).isEqualTo(Long.parseLong(s));
        assertThat(RedisNumbers.isLong(bytes(s))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-", "-0", "00", "007", "-01", "+1", "+0", " 1", "1 ", "1a", "a1", "0x10", "1.0",
            "1e3", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999",
            "-99999999999999999999", "92233720368547758070", "--1", "1-", "\t1", "1\0", "\u0661"})
    void anythingElseIsRejected(String s) {
        assertThatThrownBy(() -> RedisNumbers.parseLong(bytes(s))).isInstanceOf(RedisNumbers.NotANumber.class);
        assertThat(RedisNumbers.isLong(bytes(s))).isFalse();
    }

    @Test
    void onlyTheGivenRangeIsParsed() {
        byte[] b = bytes("*123\r\n");
        assertThat(RedisNumbers.parseLong(b, 1, 4)).isEqualTo(123);
        assertThat(RedisNumbers.parseLong(b, 1, 2)).isEqualTo(1);
        assertThatThrownBy(() -> RedisNumbers.parseLong(b, 1, 1)).isInstanceOf(RedisNumbers.NotANumber.class);
        assertThatThrownBy(() -> RedisNumbers.parseLong(b, 1, 5)).isInstanceOf(RedisNumbers.NotANumber.class);
    }

    @Test
    void randomStringsAreAcceptedExactlyWhenCanonicalAndInRange() {
        Random random = new Random(2024);
        String alphabet = "0123456789-+ a";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(22);
            for (int j = 0; j < len; j++) {
                // Mostly digits, so that long canonical numbers near the limits come up.
                sb.append(random.nextInt(10) < 8 ? (char) ('0' + random.nextInt(10))
                        : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            check(sb.toString());
        }
    }

    @Test
    void numbersAroundTheLimitsAreAcceptedExactlyWhenInRange() {
        for (BigInteger edge : new BigInteger[] {MIN, MAX, BigInteger.ZERO}) {
            for (int d = -1000; d <= 1000; d++) {
                check(edge.add(BigInteger.valueOf(d)).toString());
            }
            for (int k = 1; k < 40; k++) {
                check(edge.multiply(BigInteger.TEN.pow(k)).toString());
                check(edge.divide(BigInteger.TEN.pow(k)).toString());
            }
        }
    }

    /** Checks without AssertJ in the loop (fast); a mismatch fails with the input. */
    private static void check(String s) {
        boolean expected = CANONICAL.matcher(s).matches()
                && new BigInteger(s).compareTo(MIN) >= 0 && new BigInteger(s).compareTo(MAX) <= 0;
        if (RedisNumbers.isLong(bytes(s)) != expected
                || (expected && RedisNumbers.parseLong(bytes(s)) != Long.parseLong(s))) {
            assertThat(RedisNumbers.isLong(bytes(s))).as("accepts \"%s\"", s).isEqualTo(expected);
            assertThat(RedisNumbers.parseLong(bytes(s))).as(s).isEqualTo(Long.parseLong(s));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
