package io.kvcache.protocol;

import java.math.BigInteger;

/**
 * An exact software model of C's {@code long double} on x86_64 (the x87 80-bit extended format:
 * 64-bit significand, 15-bit exponent, gradual underflow), which Redis's INCRBYFLOAT computes in.
 * Java's {@code double} rounds differently (SET k 10.5, INCRBYFLOAT k 0.1 replies "10.6" in Redis,
 * a double would print "10.59999999999999964"), so the command parses, adds and prints with this.
 *
 * <p>A finite value is {@code (-1)^negative * significand * 2^exponent} with the significand kept
 * odd (or zero, with exponent 0), at most 64 bits wide, and {@code exponent >= -16445}. Every
 * operation computes the exact result with BigInteger and rounds it once, to nearest with ties to
 * even, as the x87 unit and glibc do: {@link #parse} is glibc {@code strtold} wrapped in Redis's
 * util.c {@code string2ld} (including one glibc 2.36 rounding quirk below the normal range, see
 * {@link #roundLikeStrtold}); {@link #add} is the x87 {@code fadd}; {@link #toHumanString} is
 * util.c {@code ld2string(LD_STR_HUMAN)}, i.e. glibc {@code "%.17Lf"} with trailing zeros stripped.
 *
 * <p>Checked against a real redis-server 7.0 (Debian 12, glibc 2.36, x86_64) by
 * LongDoubleComparisonTests.
 */
public final class LongDouble {

    /** Redis util.h MAX_LONG_DOUBLE_CHARS: string2ld's and ld2string's buffer size. */
    static final int MAX_LONG_DOUBLE_CHARS = 5 * 1024;

    /** Largest significand width of the x87 extended format (explicit integer bit included). */
    private static final int SIGNIFICAND_BITS = 64;
    /** Exponent of the least significant bit of the smallest denormal, 2^-16445. */
    private static final int MIN_EXPONENT = -16445;
    /** Every finite value is below 2^16384 (the largest is (2^64 - 1) * 2^16320). */
    private static final int MAX_BINARY_MAGNITUDE = 16384;

    /** Decimal digits "%.17Lf" prints after the point. */
    private static final int HUMAN_DECIMALS = 17;
    private static final BigInteger TEN_POW_HUMAN = BigInteger.TEN.pow(HUMAN_DECIMALS);

    private static final int POW_CACHE = 64;
    private static final BigInteger[] POW5 = new BigInteger[POW_CACHE];
    private static final BigInteger[] POW10 = new BigInteger[POW_CACHE];

    static {
        POW5[0] = BigInteger.ONE;
        POW10[0] = BigInteger.ONE;
        for (int i = 1; i < POW_CACHE; i++) {
            POW5[i] = POW5[i - 1].multiply(BigInteger.valueOf(5));
            POW10[i] = POW10[i - 1].multiply(BigInteger.TEN);
        }
    }

    private static final byte FINITE = 0;
    private static final byte INFINITE = 1;
    private static final byte NAN = 2;

    public static final LongDouble ZERO = new LongDouble(FINITE, false, BigInteger.ZERO, 0);
    public static final LongDouble NEGATIVE_ZERO = new LongDouble(FINITE, true, BigInteger.ZERO, 0);
    public static final LongDouble POSITIVE_INFINITY = new LongDouble(INFINITE, false, BigInteger.ZERO, 0);
    public static final LongDouble NEGATIVE_INFINITY = new LongDouble(INFINITE, true, BigInteger.ZERO, 0);
    /** The x87 default NaN ("real indefinite") has its sign bit set; glibc prints it "-nan". */
    public static final LongDouble NaN = new LongDouble(NAN, true, BigInteger.ZERO, 0);

    private final byte kind;
    private final boolean negative;
    /** Odd, or zero; below 2^64. Zero for infinities and NaN. */
    private final BigInteger significand;
    /** Binary exponent of the significand's lowest bit; 0 when the significand is zero. */
    private final int exponent;

    private LongDouble(byte kind, boolean negative, BigInteger significand, int exponent) {
        this.kind = kind;
        this.negative = negative;
        this.significand = significand;
        this.exponent = exponent;
    }

    /** The exact value of {@code v} (every long fits in a 64-bit significand). */
    public static LongDouble of(long v) {
        if (v == 0) {
            return ZERO;
        }
        BigInteger m = BigInteger.valueOf(v).abs();
        return normalized(v < 0, m, 0);
    }

    // ------------------------------------------------------------------------------------------
    // Parsing: util.c string2ld over glibc strtold.
    // ------------------------------------------------------------------------------------------

    /**
     * Redis util.c {@code string2ld}: the whole of {@code s} must be what glibc {@code strtold}
     * accepts (optional sign; decimal digits with an optional point and e/E exponent; a hex float
     * such as {@code 0x1.8p3}; {@code inf}, {@code infinity}), correctly rounded to long double.
     * Rejected: empty input, {@code MAX_LONG_DOUBLE_CHARS} or more bytes, leading white space,
     * any trailing byte (NUL included), NaN, overflow to infinity and a nonzero value that
     * underflows to zero. The literal infinities are accepted.
     *
     * @throws RedisNumbers.NotANumber when Redis would reply "value is not a valid float"
     */
    public static LongDouble parse(byte[] s) {
        int n = s.length;
        if (n == 0 || n >= MAX_LONG_DOUBLE_CHARS || Ascii.isSpace(s[0])) {
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        int p = 0;
        boolean neg = false;
        if (s[0] == '-' || s[0] == '+') {
            neg = s[0] == '-';
            p = 1;
        }
        if (p == n) {
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        int c = s[p] | 0x20;
        if (c == 'i') {
            // strtold takes "infinity" whole, or else just "inf"; the rest must be empty.
            if (regionMatchesLower(s, p, n, "infinity") || regionMatchesLower(s, p, n, "inf")) {
                return neg ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
            }
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        if (c == 'n') {
            // "nan" or "nan(chars)" is NaN, which string2ld rejects; anything else is garbage.
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        if (s[p] == '0' && p + 1 < n && (s[p + 1] | 0x20) == 'x' && startsHexMantissa(s, p + 2, n)) {
            return parseHex(s, p + 2, n, neg);
        }
        return parseDecimal(s, p, n, neg);
    }

    private static boolean regionMatchesLower(byte[] s, int from, int to, String word) {
        if (to - from != word.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if ((s[from + i] | 0x20) != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a hex digit follows "0x" (possibly after a '.'). If not, strtold reads only the "0"
     * and leaves the 'x', which the decimal parse then rejects as left over.
     */
    private static boolean startsHexMantissa(byte[] s, int p, int n) {
        if (p < n && hexValue(s[p]) >= 0) {
            return true;
        }
        return p + 1 < n && s[p] == '.' && hexValue(s[p + 1]) >= 0;
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int l = b | 0x20;
        if (l >= 'a' && l <= 'f') {
            return l - 'a' + 10;
        }
        return -1;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Saturating bound for parsed exponents; far beyond anything that stays finite and nonzero. */
    private static final long EXPONENT_CAP = 1_000_000_000L;

    /**
     * Parses "[+-]?digits[e[+-]?digits]" from {@code p}; {@code end} is where the exponent's
     * digits stop, or -1 if there is no well-formed exponent at {@code p}.
     */
    private static long parseExponent(byte[] s, int p, int n, int[] end) {
        int q = p;
        boolean neg = false;
        if (q < n && (s[q] == '+' || s[q] == '-')) {
            neg = s[q] == '-';
            q++;
        }
        if (q == n || !isDigit(s[q])) {
            end[0] = -1;
            return 0;
        }
        long v = 0;
        for (; q < n && isDigit(s[q]); q++) {
            v = Math.min(v * 10 + (s[q] - '0'), EXPONENT_CAP);
        }
        end[0] = q;
        return neg ? -v : v;
    }

    private static LongDouble parseDecimal(byte[] s, int start, int n, boolean neg) {
        int p = start;
        // The significant digits (leading zeros skipped): in a long while there are at most 18,
        // else also as chars. The value is digits * 10^scale.
        char[] digits = null;
        long small = 0;
        int count = 0;
        long scale = 0;
        boolean anyDigit = false;
        boolean point = false;
        for (; p < n; p++) {
            byte b = s[p];
            if (isDigit(b)) {
                anyDigit = true;
                if (point) {
                    scale--;
                }
                if (count == 0 && b == '0') {
                    continue;
                }
                if (count < 18) {
                    small = small * 10 + (b - '0');
                } else {
                    if (digits == null) {
                        digits = new char[n];
                        String head = Long.toString(small);
                        head.getChars(0, head.length(), digits, 0);
                    }
                    digits[count] = (char) b;
                }
                count++;
            } else if (b == '.' && !point) {
                point = true;
            } else {
                break;
            }
        }
        if (!anyDigit) {
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        if (p < n && (s[p] | 0x20) == 'e') {
            int[] end = new int[1];
            long e = parseExponent(s, p + 1, n, end);
            if (end[0] < 0) {
                throw RedisNumbers.NotANumber.INSTANCE; // strtold would stop before the 'e'
            }
            scale += e;
            p = end[0];
        }
        if (p != n) {
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        if (count == 0) {
            return neg ? NEGATIVE_ZERO : ZERO;
        }
        // Drop trailing zero digits into the scale: keeps the integers small.
        if (digits == null) {
            while (small % 10 == 0) {
                small /= 10;
                count--;
                scale++;
            }
        } else {
            while (digits[count - 1] == '0') {
                count--;
                scale++;
            }
        }
        // value is in [10^(count - 1 + scale), 10^(count + scale)).
        long top = count + scale;
        if (top - 1 > 4932) {
            // >= 1e4933, above the largest long double (1.18973e4932): ERANGE, HUGE_VALL.
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        if (top <= -4951) {
            // < 1e-4951, below half the smallest denormal (1.8e-4951): ERANGE, zero.
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        BigInteger d = digits == null ? BigInteger.valueOf(small) : new BigInteger(new String(digits, 0, count));
        LongDouble r;
        if (scale >= 0) {
            r = roundLikeStrtold(neg, d.multiply(pow10((int) scale)), 0);
        } else {
            // d / 10^k = (d / 5^k) * 2^-k: divide with enough quotient bits, keep a sticky bit.
            int k = (int) -scale;
            BigInteger den = pow5(k);
            int shift = Math.max(0, SIGNIFICAND_BITS + 2 + den.bitLength() - d.bitLength());
            BigInteger[] qr = d.shiftLeft(shift).divideAndRemainder(den);
            BigInteger m = qr[0].shiftLeft(1);
            if (qr[1].signum() != 0) {
                m = m.setBit(0);
            }
            r = roundLikeStrtold(neg, m, -(long) k - shift - 1);
        }
        return checkRange(r);
    }

    private static LongDouble parseHex(byte[] s, int start, int n, boolean neg) {
        int p = start;
        StringBuilder hex = new StringBuilder();
        long fractionDigits = 0;
        boolean point = false;
        for (; p < n; p++) {
            byte b = s[p];
            int v = hexValue(b);
            if (v >= 0) {
                if (point) {
                    fractionDigits++;
                }
                if (hex.length() > 0 || v != 0) {
                    hex.append((char) b);
                }
            } else if (b == '.' && !point) {
                point = true;
            } else {
                break;
            }
        }
        long exp2 = -4 * fractionDigits;
        if (p < n && (s[p] | 0x20) == 'p') {
            int[] end = new int[1];
            long e = parseExponent(s, p + 1, n, end);
            if (end[0] < 0) {
                throw RedisNumbers.NotANumber.INSTANCE;
            }
            exp2 += e;
            p = end[0];
        }
        if (p != n) {
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        if (hex.length() == 0) {
            return neg ? NEGATIVE_ZERO : ZERO;
        }
        BigInteger m = new BigInteger(hex.toString(), 16);
        long top = m.bitLength() + exp2; // value in [2^(top-1), 2^top)
        if (top - 1 >= MAX_BINARY_MAGNITUDE) {
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        if (top <= MIN_EXPONENT - 1) {
            throw RedisNumbers.NotANumber.INSTANCE; // below half the smallest denormal
        }
        return checkRange(roundLikeStrtold(neg, m, exp2));
    }

    /** Exponent of the smallest normal value, 2^-16382. */
    private static final int MIN_NORMAL_EXPONENT = -16382;

    /**
     * glibc's strtold rounding (stdlib/strtod_l.c round_and_return, glibc 2.36 as on Debian 12):
     * correct to nearest even, except for results below the smallest normal value. There glibc
     * shifts its 64 leading bits right to the denormal position and takes the new round bit from
     * them, but drops the old round bit (the 65th significant bit) instead of folding it into
     * the sticky bits (a glibc bug, fixed in later releases). So "0x1.0000000000000001p-16446", just
     * above half the smallest denormal, becomes zero (ERANGE), which Redis rejects.
     * {@code mag} must carry every bit, or a sticky bit below the 65th.
     */
    private static LongDouble roundLikeStrtold(boolean neg, BigInteger mag, long exp) {
        int bl = mag.bitLength();
        if (bl > SIGNIFICAND_BITS && exp + bl - 1 < MIN_NORMAL_EXPONENT) {
            int cut = bl - SIGNIFICAND_BITS;
            boolean sticky = mag.getLowestSetBit() < cut - 1; // below the 65th bit
            BigInteger leading = mag.shiftRight(cut).shiftLeft(2);
            mag = sticky ? leading.setBit(0) : leading;
            exp = exp + cut - 2;
        }
        return round(neg, mag, exp);
    }

    /** string2ld rejects strtold's ERANGE results: HUGE_VALL and zero (the input was nonzero). */
    private static LongDouble checkRange(LongDouble r) {
        if (r.kind != FINITE || r.significand.signum() == 0) {
            throw RedisNumbers.NotANumber.INSTANCE;
        }
        return r;
    }

    private static BigInteger pow5(int k) {
        return k < POW_CACHE ? POW5[k] : BigInteger.valueOf(5).pow(k);
    }

    private static BigInteger pow10(int k) {
        return k < POW_CACHE ? POW10[k] : BigInteger.TEN.pow(k);
    }

    // ------------------------------------------------------------------------------------------
    // Rounding and arithmetic.
    // ------------------------------------------------------------------------------------------

    /**
     * Rounds {@code (-1)^neg * mag * 2^exp} (mag >= 0, exact) to the extended format: 64
     * significant bits, lowest bit no finer than 2^-16445, ties to even; infinity past the top.
     */
    private static LongDouble round(boolean neg, BigInteger mag, long exp) {
        if (mag.signum() == 0) {
            return neg ? NEGATIVE_ZERO : ZERO;
        }
        int bl = mag.bitLength();
        long drop = Math.max(bl - (long) SIGNIFICAND_BITS, MIN_EXPONENT - exp);
        if (drop > 0) {
            if (drop > bl) {
                return neg ? NEGATIVE_ZERO : ZERO; // below half the smallest step
            }
            int d = (int) drop;
            BigInteger q = mag.shiftRight(d);
            boolean half = mag.testBit(d - 1);
            if (half && (q.testBit(0) || mag.getLowestSetBit() < d - 1)) {
                q = q.add(BigInteger.ONE);
            }
            if (q.signum() == 0) {
                return neg ? NEGATIVE_ZERO : ZERO;
            }
            mag = q;
            exp += d;
        }
        int tz = mag.getLowestSetBit();
        if (tz > 0) {
            mag = mag.shiftRight(tz);
            exp += tz;
        }
        if (exp + mag.bitLength() > MAX_BINARY_MAGNITUDE) {
            return neg ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
        }
        return new LongDouble(FINITE, neg, mag, (int) exp);
    }

    /** An exact value already known to fit: just strip the significand's trailing zeros. */
    private static LongDouble normalized(boolean neg, BigInteger mag, int exp) {
        int tz = mag.getLowestSetBit();
        return new LongDouble(FINITE, neg, mag.shiftRight(tz), exp + tz);
    }

    /**
     * The x87 sum: exact, then rounded to nearest even; infinity on overflow; NaN for
     * inf + -inf or a NaN operand. An exact zero sum of nonzero operands is +0; -0 + -0 is -0.
     */
    public LongDouble add(LongDouble other) {
        if (kind == NAN || other.kind == NAN) {
            return NaN;
        }
        if (kind == INFINITE) {
            if (other.kind == INFINITE && other.negative != negative) {
                return NaN;
            }
            return this;
        }
        if (other.kind == INFINITE) {
            return other;
        }
        if (significand.signum() == 0) {
            if (other.significand.signum() == 0) {
                return negative && other.negative ? NEGATIVE_ZERO : ZERO;
            }
            return other;
        }
        if (other.significand.signum() == 0) {
            return this;
        }
        int e = Math.min(exponent, other.exponent);
        BigInteger a = significand.shiftLeft(exponent - e);
        BigInteger b = other.significand.shiftLeft(other.exponent - e);
        BigInteger sum = (negative ? a.negate() : a).add(other.negative ? b.negate() : b);
        if (sum.signum() == 0) {
            return ZERO;
        }
        return round(sum.signum() < 0, sum.abs(), e);
    }

    /** The x87 product by an integer: exact, then rounded to nearest even (Redis's {@code ftval * 1000.0}). */
    public LongDouble multiply(long factor) {
        if (kind == NAN) {
            return NaN;
        }
        boolean neg = negative ^ (factor < 0);
        if (kind == INFINITE) {
            return factor == 0 ? NaN : neg ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
        }
        if (significand.signum() == 0 || factor == 0) {
            return neg ? NEGATIVE_ZERO : ZERO;
        }
        return round(neg, significand.multiply(BigInteger.valueOf(factor).abs()), exponent);
    }

    /**
     * C's {@code (long long)} of this value on x86_64: toward zero; NaN, the infinities and values
     * outside the long range give the x87 "integer indefinite", {@code Long.MIN_VALUE}.
     */
    public long toLongTruncated() {
        if (kind != FINITE) {
            return Long.MIN_VALUE;
        }
        BigInteger v = exponent >= 0 ? significand.shiftLeft(exponent) : significand.shiftRight(-exponent);
        if (v.bitLength() > 63) {
            return Long.MIN_VALUE;
        }
        return negative ? -v.longValue() : v.longValue();
    }

    public boolean isNaN() {
        return kind == NAN;
    }

    public boolean isInfinite() {
        return kind == INFINITE;
    }

    // ------------------------------------------------------------------------------------------
    // Formatting: util.c ld2string(LD_STR_HUMAN).
    // ------------------------------------------------------------------------------------------

    /**
     * Redis util.c {@code ld2string(..., LD_STR_HUMAN)}: glibc {@code "%.17Lf"} (the exact binary
     * value rounded to 17 decimals, ties to even), then trailing zeros and a trailing point
     * removed, and "-0" turned into "0". Infinities print "inf" and "-inf" (NaN "-nan", as glibc
     * prints the x87 default NaN). When the printed form would not fit Redis's 5 KiB buffer,
     * ld2string fails with length 0 and this returns the empty string (it never happens for a
     * finite long double, whose integer part has at most 4933 digits).
     */
    public String toHumanString() {
        if (kind == INFINITE) {
            return negative ? "-inf" : "inf";
        }
        if (kind == NAN) {
            return negative ? "-nan" : "nan";
        }
        String integer;
        String fraction;
        if (exponent >= 0) {
            integer = significand.shiftLeft(exponent).toString();
            fraction = "";
        } else {
            int sh = -exponent;
            BigInteger scaled = significand.multiply(TEN_POW_HUMAN);
            BigInteger q = scaled.shiftRight(sh);
            if (scaled.testBit(sh - 1) && (q.testBit(0) || scaled.getLowestSetBit() < sh - 1)) {
                q = q.add(BigInteger.ONE);
            }
            BigInteger[] parts = q.divideAndRemainder(TEN_POW_HUMAN);
            integer = parts[0].toString();
            if (parts[1].signum() == 0) {
                fraction = "";
            } else {
                String digits = parts[1].toString();
                StringBuilder fb = new StringBuilder(HUMAN_DECIMALS);
                fb.repeat('0', HUMAN_DECIMALS - digits.length()).append(digits);
                int end = fb.length();
                while (fb.charAt(end - 1) == '0') {
                    end--;
                }
                fraction = fb.substring(0, end);
            }
        }
        // snprintf's length: sign, integer digits, '.', 17 decimals; it must leave room for NUL.
        int printed = (negative ? 1 : 0) + integer.length() + 1 + HUMAN_DECIMALS;
        if (printed + 1 > MAX_LONG_DOUBLE_CHARS) {
            return "";
        }
        StringBuilder out = new StringBuilder(printed);
        if (negative) {
            out.append('-');
        }
        out.append(integer);
        if (!fraction.isEmpty()) {
            out.append('.').append(fraction);
        }
        String text = out.toString();
        return text.equals("-0") ? "0" : text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LongDouble other
                && kind == other.kind
                && negative == other.negative
                && exponent == other.exponent
                && significand.equals(other.significand);
    }

    @Override
    public int hashCode() {
        return ((kind * 31 + Boolean.hashCode(negative)) * 31 + significand.hashCode()) * 31 + exponent;
    }

    /** Exact binary form for diagnostics, e.g. "21*2^-1" for 10.5, or "inf" / "-inf" / "nan". */
    @Override
    public String toString() {
        return switch (kind) {
            case INFINITE -> negative ? "-inf" : "inf";
            case NAN -> "nan";
            default -> (negative ? "-" : "") + significand + "*2^" + exponent;
        };
    }
}
