package io.kvcache.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RollingHashTest {

    private static final BigInteger M = BigInteger.TWO.pow(61).subtract(BigInteger.ONE);

    /** The spec written the slow, obvious way: exact arithmetic, then reduce. */
    private static long referencePolynomial(byte[] bytes) {
        BigInteger h = BigInteger.ZERO;
        for (byte b : bytes) {
            h = h.multiply(BigInteger.valueOf(31)).add(BigInteger.valueOf(Byte.toUnsignedInt(b))).mod(M);
        }
        return h.longValueExact();
    }

    /** SplitMix64's finalizer, restated with BigInteger so that it does not share code with the implementation. */
    private static long referenceMix(long value) {
        BigInteger mask = BigInteger.TWO.pow(64).subtract(BigInteger.ONE);
        BigInteger z = new BigInteger(Long.toUnsignedString(value));
        z = z.xor(z.shiftRight(30)).multiply(new BigInteger("bf58476d1ce4e5b9", 16)).and(mask);
        z = z.xor(z.shiftRight(27)).multiply(new BigInteger("94d049bb133111eb", 16)).and(mask);
        return z.xor(z.shiftRight(31)).longValue();
    }

    private static void assertMatchesReference(byte[] bytes) {
        long polynomial = referencePolynomial(bytes);
        assertThat(RollingHash.polynomial(bytes, 0, bytes.length)).isEqualTo(polynomial);
        assertThat(RollingHash.hash(bytes)).isEqualTo(referenceMix(polynomial));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void emptyInputHasPolynomialZeroAndHashZero() {
        assertMatchesReference(new byte[0]);
        // mix(0) == 0: SplitMix64's finalizer has no additive constant.
        assertThat(RollingHash.hash(new byte[0])).isZero();
    }

    @Test
    void shortAsciiInputsMatchHandComputedPolynomials() {
        assertThat(RollingHash.polynomial(ascii("a"), 0, 1)).isEqualTo(97);
        assertThat(RollingHash.polynomial(ascii("abc"), 0, 3)).isEqualTo(97 * 31 * 31 + 98 * 31 + 99);
        assertMatchesReference(ascii("a"));
        assertMatchesReference(ascii("abc"));
        assertMatchesReference(ascii("key:000000000000"));
    }

    @Test
    void bytesAtOrAbove0x80AreHashedAsUnsignedValues() {
        assertThat(RollingHash.polynomial(new byte[] {(byte) 0xFF}, 0, 1)).isEqualTo(255);
        assertThat(RollingHash.polynomial(new byte[] {(byte) 0x80, (byte) 0xFF}, 0, 2)).isEqualTo(128 * 31 + 255);
        byte[] every = new byte[256];
        for (int i = 0; i < 256; i++) {
            every[i] = (byte) i;
        }
        assertMatchesReference(every);
    }

    @Test
    void longInputsWrapModulo2Pow61Minus1LikeTheBigIntegerReference() {
        byte[] random = new byte[1024];
        new Random(1).nextBytes(random);
        assertMatchesReference(random);

        // All 0xFF maximises every intermediate value; long enough to wrap the modulus many times.
        byte[] ones = new byte[4096];
        Arrays.fill(ones, (byte) 0xFF);
        assertMatchesReference(ones);
    }

    @Test
    void mulAddModMatchesBigIntegerAtTheEdgesOfTheField() {
        long max = RollingHash.MODULUS - 1;
        long[] values = {0, 1, 2, 31, 255, 1L << 60, max - 1, max};
        for (long a : values) {
            for (long b : values) {
                for (long c : values) {
                    long expected = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).add(BigInteger.valueOf(c)).mod(M).longValueExact();
                    assertThat(RollingHash.mulAddMod(a, b, c)).as("%d * %d + %d", a, b, c).isEqualTo(expected);
                }
            }
        }
        Random random = new Random(2);
        for (int i = 0; i < 10_000; i++) {
            long a = random.nextLong(RollingHash.MODULUS);
            long b = random.nextLong(RollingHash.MODULUS);
            long c = random.nextLong(RollingHash.MODULUS);
            long expected = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).add(BigInteger.valueOf(c)).mod(M).longValueExact();
            assertThat(RollingHash.mulAddMod(a, b, c)).isEqualTo(expected);
        }
    }

    @Test
    void mixIsSplitMix64sFinalizer() {
        // First output of SplitMix64 seeded with 0: mix(0 + golden gamma).
        assertThat(RollingHash.mix(0x9e3779b97f4a7c15L)).isEqualTo(0xe220a8397b1dcdafL);
        Random random = new Random(3);
        for (int i = 0; i < 1000; i++) {
            long z = random.nextLong();
            assertThat(RollingHash.mix(z)).isEqualTo(referenceMix(z));
        }
    }

    @Test
    void rangeHashEqualsHashOfTheCopiedRange() {
        byte[] bytes = ascii("xx{user1000}.following");
        assertThat(RollingHash.hash(bytes, 3, 11)).isEqualTo(RollingHash.hash(ascii("user1000")));
        assertThat(RollingHash.hash(bytes, 5, 5)).isEqualTo(RollingHash.hash(new byte[0]));
    }

    @Test
    void rangeOutsideTheArrayIsRejected() {
        assertThatThrownBy(() -> RollingHash.hash(new byte[3], 2, 4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> RollingHash.hash(new byte[3], 2, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void keysDifferingInTheLastByteHaveAdjacentPolynomialsButUnrelatedHashes() {
        byte[] k0 = ascii("key:000000000000");
        byte[] k1 = ascii("key:000000000001");
        assertThat(RollingHash.polynomial(k1, 0, k1.length) - RollingHash.polynomial(k0, 0, k0.length)).isEqualTo(1);
        assertThat(Long.bitCount(RollingHash.hash(k0) ^ RollingHash.hash(k1))).isBetween(16, 48);
    }
}
