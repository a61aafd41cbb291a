package io.kvcache.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Expected strings below were taken from a real redis-server 7.0 (x86_64) by hand. */
class LongDoubleTests {

    private static LongDouble parse(String s) {
        return LongDouble.parse(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** What INCRBYFLOAT replies for a key holding {@code start} incremented by {@code incr}. */
    private static String incrbyfloat(String start, String incr) {
        return parse(start).add(parse(incr)).toHumanString();
    }

    @Nested
    class AddingAndPrinting {

        @ParameterizedTest(name = "{0} + {1} prints {2}")
        @CsvSource({
            "10.5, 0.1, 10.6",
            "0, 1e-17, 0.00000000000000001",
            "0, 1e-18, 0",
            "0, 5e-18, 0",
            "3.0e3, 0, 3000",
            "5.0e3, 1, 5001",
            "-3.75, 1.25, -2.5",
            "1, -1, 0",
            "9223372036854775807, 1, 9223372036854775808",
            "18446744073709551617, 0, 18446744073709551616",
            "18446744073709551619, 0, 18446744073709551620",
            "0x1p-18, 0, 0.00000381469726562",
            "0x3p-18, 0, 0.00001144409179688",
            "0x1.8p3, 0.5, 12.5",
            "inf, -1e4000, inf",
        })
        void sumPrintsAsRedisDoes(String start, String incr, String expected) {
            assertThat(incrbyfloat(start, incr)).isEqualTo(expected);
        }

        @Test
        void aTenthIsNotTheDoubleTenth() {
            // A double would print 10.59999999999999964.
            assertThat(incrbyfloat("10.5", "0.1")).isEqualTo("10.6").isNotEqualTo(
                    new java.math.BigDecimal(10.5 + 0.1).setScale(17, java.math.RoundingMode.HALF_EVEN).toPlainString());
        }

        @Test
        void negativeZeroAndTinyNegativesPrintAsZero() {
            assertThat(parse("-0").toHumanString()).isEqualTo("0");
            assertThat(parse("-0").add(parse("-0")).toHumanString()).isEqualTo("0");
            assertThat(incrbyfloat("-0", "-1e-30")).isEqualTo("0");
            assertThat(incrbyfloat("0.0", "-0.0")).isEqualTo("0");
        }

        @Test
        void exactZeroSumIsPositiveAndNegativeZerosStayNegative() {
            assertThat(parse("1.5").add(parse("-1.5"))).isEqualTo(LongDouble.ZERO);
            assertThat(parse("-0").add(parse("-0"))).isEqualTo(LongDouble.NEGATIVE_ZERO);
            assertThat(parse("-0").add(parse("0"))).isEqualTo(LongDouble.ZERO);
        }

        @Test
        void largeValuesPrintEveryIntegerDigit() {
            assertThat(incrbyfloat("1e300", "0")).startsWith("1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497")
                    .hasSize(301)
                    .doesNotContain(".");
            // The long double nearest 1e4000 lies just below it.
            assertThat(parse("1e4000").toHumanString()).startsWith("99999999999999999999654638730996237849324925835069576313015083330432619433063423")
                    .hasSize(4000);
            assertThat(parse("0xf.fffffffffffffffp+16380").toHumanString())
                    .startsWith("1189731495357231765021263853030970205169")
                    .hasSize(4933);
        }

        @Test
        void valuesBeyondDoubleRangeStayFinite() {
            LongDouble sum = parse("1.7976931348623157e308").add(parse("1.7976931348623157e308"));
            assertThat(sum.isInfinite()).isFalse();
            assertThat(sum.toHumanString()).startsWith("359538626972463139991842093548208868096772893888658356970628")
                    .hasSize(309);
            assertThat(parse("1e400").isInfinite()).isFalse();
            assertThat(parse("1e400").toHumanString()).startsWith("100000000000000000002818806839475865145864534336290520386259");
        }

        @Test
        void ofLongIsExact() {
            assertThat(LongDouble.of(Long.MIN_VALUE).toHumanString()).isEqualTo("-9223372036854775808");
            assertThat(LongDouble.of(Long.MAX_VALUE).toHumanString()).isEqualTo("9223372036854775807");
            assertThat(LongDouble.of(0)).isEqualTo(LongDouble.ZERO);
            assertThat(LongDouble.of(42)).isEqualTo(parse("42.000"));
        }

        @Test
        void overflowingSumIsInfinite() {
            LongDouble max = parse("0xf.fffffffffffffffp+16380");
            assertThat(max.add(max).isInfinite()).isTrue();
            // Half an ulp above the largest value rounds (to even) up to infinity; less does not.
            assertThat(max.add(parse("0x1p16319")).isInfinite()).isTrue();
            assertThat(max.add(parse("0x1.fffffffffffffffep16318")).isInfinite()).isFalse();
            assertThat(parse("-1e4932").add(parse("-1e4932")).isInfinite()).isTrue();
        }

        @Test
        void infinitiesOfOppositeSignsMakeNaN() {
            LongDouble nan = parse("inf").add(parse("-inf"));
            assertThat(nan.isNaN()).isTrue();
            assertThat(nan.isInfinite()).isFalse();
            assertThat(parse("inf").add(parse("1")).isInfinite()).isTrue();
            assertThat(parse("-infinity").add(parse("-INF")).toHumanString()).isEqualTo("-inf");
        }

        @Test
        void printingRoundsHalfToEvenOnExactTies() {
            // 2^-18 = 0.000003814697265625 exactly: a tie at 17 decimals, kept even (…62).
            assertThat(parse("0.000003814697265625").toHumanString()).isEqualTo("0.00000381469726562");
            // 3 * 2^-18 = 0.000011444091796875: tie, rounds up to even (…88).
            assertThat(parse("0.000011444091796875").toHumanString()).isEqualTo("0.00001144409179688");
        }

        @Test
        void denormalsAddExactly() {
            LongDouble min = parse("0x1p-16445");
            assertThat(min.add(min)).isEqualTo(parse("0x1p-16444"));
            assertThat(min.add(parse("-0x1p-16445"))).isEqualTo(LongDouble.ZERO);
            assertThat(min.toHumanString()).isEqualTo("0");
        }
    }

    @Nested
    class ChainedIncrements {

        /** Redis stores its printed reply and re-parses it on the next INCRBYFLOAT. */
        private static List<String> chain(String start, String incr, int times) {
            List<String> replies = new ArrayList<>();
            String value = start;
            for (int i = 0; i < times; i++) {
                value = incrbyfloat(value, incr);
                replies.add(value);
            }
            return replies;
        }

        @Test
        void repeatedThirdsDriftAsInRedis() {
            assertThat(chain("1", "0.33333333333333333333", 6)).containsExactly(
                    "1.33333333333333333", "1.66666666666666666", "1.99999999999999999",
                    "2.33333333333333332", "2.66666666666666665", "2.99999999999999998");
        }

        @Test
        void hundredTenthsMakeTen() {
            assertThat(chain("0", "0.1", 100)).last().isEqualTo("10");
            assertThat(chain("0.1", "0.1", 10)).containsExactly(
                    "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1", "1.1");
        }

        @Test
        void halfUnitsVanishOncePrinted() {
            assertThat(chain("0", "5e-18", 2)).containsExactly("0", "0");
        }
    }

    @Nested
    class Parsing {

        @ParameterizedTest(name = "rejects \"{0}\"")
        @ValueSource(strings = {
            " 1", "1 ", "\t1", "", "abc", "1e-5000", "1e5000", "-1e5000", "nan", "NaN", "-nan", "nan(123)",
            "+", "-", ".", "e5", ".e1", "1e", "1e+", "1.2.3", "0x", "0x.", "0xg", "0x1p", "0x1p+", "1f", "1d",
            "infin", "infinit", "infinityy", "inf ", "--1", "+-1", "1,5", "0x1p-16446", "1e-4951", "0x1p16384",
            "1.2e4932", "1\u00001", "1\u0000", "\u0000", "1\u00a0",
        })
        void rejectsWhatString2ldRejects(String s) {
            assertThatThrownBy(() -> parse(s)).isInstanceOf(RedisNumbers.NotANumber.class);
        }

        @ParameterizedTest(name = "accepts \"{0}\"")
        @ValueSource(strings = {
            "0", "0.0", "-0", "+0", "+1", ".5", "5.", "-.5e-3", "1E10", "1e+10", "0x1.8p3", "0X1P-3", "0x.8",
            "0xA", "0x1P+2", "inf", "-inf", "+INF", "Infinity", "-iNfInItY", "1e400", "1e-4000", "0x1p-16445",
            "0x1.8p-16446", "2e-4951", "1.18973149535723176502e4932", "0e-99999999999999999999",
            "0e99999999999", "000000000000000000000000000012.5000000000000000000000000000",
        })
        void acceptsWhatStrtoldReadsWhole(String s) {
            assertThat(parse(s).isNaN()).isFalse();
        }

        @Test
        void acceptsInfinityLiterals() {
            assertThat(parse("inf").isInfinite()).isTrue();
            assertThat(parse("-inf")).isEqualTo(LongDouble.NEGATIVE_INFINITY);
            assertThat(parse("infinity")).isEqualTo(LongDouble.POSITIVE_INFINITY);
        }

        @Test
        void rejectsInputOfMaxLongDoubleCharsOrMore() {
            String justFits = "1." + "0".repeat(5117);
            assertThat(justFits).hasSize(5119);
            assertThat(parse(justFits).toHumanString()).isEqualTo("1");
            assertThatThrownBy(() -> parse(justFits + "0")).isInstanceOf(RedisNumbers.NotANumber.class);
        }

        @Test
        void roundsDecimalToNearestEvenSixtyFourBitSignificand() {
            // 2^64 + 1 is a tie between 2^64 and 2^64 + 2: even is 2^64.
            assertThat(parse("18446744073709551617")).isEqualTo(parse("18446744073709551616"));
            // 2^64 + 3 is a tie between 2^64 + 2 and 2^64 + 4: even is 2^64 + 4.
            assertThat(parse("18446744073709551619")).isEqualTo(parse("18446744073709551620"));
            // Just above the tie rounds up.
            assertThat(parse("18446744073709551617.000000000000000000000000001")).isEqualTo(parse("18446744073709551618"));
        }

        @Test
        void smallestDenormalBoundaryRoundsHalfToEven() {
            assertThat(parse("0x1.0000001p-16446")).isEqualTo(parse("0x1p-16445"));
            assertThatThrownBy(() -> parse("0x1p-16446")).isInstanceOf(RedisNumbers.NotANumber.class);
            assertThat(parse("3.6e-4951")).isEqualTo(parse("0x1p-16445"));
        }

        @Test
        void keepsGlibcDroppingThe65thBitWhenRoundingBelowTheNormalRange() {
            // glibc 2.36 strtold loses the 65th significant bit when it denormalizes: just above
            // half the smallest denormal reads as a tie, rounds to zero, and Redis rejects it.
            assertThatThrownBy(() -> parse("0x1.0000000000000001p-16446")).isInstanceOf(RedisNumbers.NotANumber.class);
            assertThatThrownBy(() -> parse("0x2.0000000000000002p-16447")).isInstanceOf(RedisNumbers.NotANumber.class);
            assertThat(parse("0x1.0000000000000002p-16446")).isEqualTo(parse("0x1p-16445"));
            assertThat(parse("0x1.000000000000000000001p-16446")).isEqualTo(parse("0x1p-16445"));
            // In the normal range the same bit pattern is a plain tie, rounded to even.
            assertThat(parse("0x1.0000000000000001p60").add(parse("-0x1p60"))).isEqualTo(LongDouble.ZERO);
            assertThat(parse("0x1.00000000000000011p60").add(parse("-0x1p60")).toHumanString()).isEqualTo("0.125");
        }

        @Test
        void decimalHexAndIntegerFormsAgree() {
            assertThat(parse("12")).isEqualTo(parse("0xc")).isEqualTo(parse("1.2e1")).isEqualTo(LongDouble.of(12));
            assertThat(parse("0.5")).isEqualTo(parse("0x.8")).isEqualTo(parse("5e-1"));
        }
    }
}
