package io.kvcache.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Redis's number parsing and formatting (util.c string2ll, string2ld, ld2string), so that
 * kvcache accepts and prints exactly what Redis does: no leading '+', spaces or zeros, no "-0".
 */
public final class RedisNumbers {

    /** Thrown (without a stack trace) when bytes are not a number in Redis's strict syntax. */
    public static final class NotANumber extends RuntimeException {
        static final NotANumber INSTANCE = new NotANumber();

        private NotANumber() {
            super("not a number", null, false, false);
        }
    }

    private RedisNumbers() {
    }

    /** The decimal digits of v, as Redis writes an integer into a string (ll2string). */
    public static byte[] toBytes(long v) {
        if (v == Long.MIN_VALUE) {
            return Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        byte[] out = new byte[length(v)];
        long rest = Math.abs(v);
        for (int i = out.length - 1; i >= 0; i--) {
            out[i] = (byte) ('0' + rest % 10);
            rest /= 10;
        }
        if (v < 0) {
            out[0] = '-';
        }
        return out;
    }

    /** How many characters {@link #toBytes} writes for v. */
    public static int length(long v) {
        if (v == Long.MIN_VALUE) {
            return 20;
        }
        int length = v < 0 ? 2 : 1;
        for (long rest = Math.abs(v); rest >= 10; rest /= 10) {
            length++;
        }
        return length;
    }

    /**
     * printf's "%.17g" as Redis uses it (addReplyDouble in RESP2, a Lua number given to
     * redis.call): "inf", "-inf", "nan", else 17 significant digits without trailing zeros.
     * Java's own %g keeps the zeros and picks its notation differently.
     */
    public static String formatG17(double d) {
        return formatG(d, 17);
    }

    /** printf's "%.{precision}g" (Lua's tostring and cjson use 14): see {@link #formatG17}. */
    public static String formatG(double d, int precision) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0" : "0";
        }
        java.math.BigDecimal rounded = new java.math.BigDecimal(d).round(new java.math.MathContext(precision));
        int exponent = rounded.precision() - rounded.scale() - 1; // of the first significant digit
        if (exponent < -4 || exponent >= precision) {
            String digits = rounded.unscaledValue().abs().toString();
            String mantissa = stripZeros(digits.charAt(0) + "." + digits.substring(1));
            String exp = Integer.toString(Math.abs(exponent));
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exp.length() < 2 ? "0" + exp : exp);
        }
        return stripZeros(rounded.setScale(Math.max(0, precision - 1 - exponent), java.math.RoundingMode.UNNECESSARY)
                .toPlainString());
    }

    /** %g's removal of trailing zeros, and of the point when nothing follows it. */
    private static String stripZeros(String s) {
        if (s.indexOf('.') < 0) {
            return s;
        }
        int end = s.length();
        while (s.charAt(end - 1) == '0') {
            end--;
        }
        if (s.charAt(end - 1) == '.') {
            end--;
        }
        return s.substring(0, end);
    }

    public static long parseLong(byte[] s) {
        return parseLong(s, 0, s.length);
    }

    /** util.c string2ll: the whole range [from, to) must be a canonical signed 64-bit integer. */
    public static long parseLong(byte[] s, int from, int to) {
        int p = from;
        if (p == to) {
            throw NotANumber.INSTANCE;
        }
        if (to - from == 1 && s[p] == '0') {
            return 0;
        }
        boolean negative = false;
        if (s[p] == '-') {
            negative = true;
            if (++p == to) {
                throw NotANumber.INSTANCE;
            }
        }
        if (s[p] < '1' || s[p] > '9') {
            throw NotANumber.INSTANCE;
        }
        // Accumulate as a negative number: its range holds Long.MIN_VALUE.
        long v = -(s[p++] - '0');
        for (; p < to; p++) {
            int d = s[p] - '0';
            if (d < 0 || d > 9) {
                throw NotANumber.INSTANCE;
            }
            if (v < Long.MIN_VALUE / 10) {
                throw NotANumber.INSTANCE;
            }
            v *= 10;
            if (v < Long.MIN_VALUE + d) {
                throw NotANumber.INSTANCE;
            }
            v -= d;
        }
        if (negative) {
            return v;
        }
        if (v == Long.MIN_VALUE) {
            throw NotANumber.INSTANCE;
        }
        return -v;
    }

    /** True when the bytes are a canonical integer (string2ll succeeds). */
    public static boolean isLong(byte[] s) {
        try {
            parseLong(s);
            return true;
        } catch (NotANumber e) {
            return false;
        }
    }

    /**
     * util.c string2ld as used by INCRBYFLOAT: strtold over the whole string, no leading space,
     * NaN rejected. Infinity is accepted here; the command rejects an infinite result.
     */
    public static double parseDouble(byte[] s) {
        if (s.length == 0 || s.length > 5 * 1024 || Ascii.isSpace(s[0])) {
            throw NotANumber.INSTANCE;
        }
        String text = new String(s, StandardCharsets.ISO_8859_1);
        double d;
        try {
            d = parseCDouble(text);
        } catch (NumberFormatException e) {
            throw NotANumber.INSTANCE;
        }
        if (Double.isNaN(d)) {
            throw NotANumber.INSTANCE;
        }
        return d;
    }

    /** Accepts what C's strtod accepts for a whole string (decimal, exponent, hex, inf, nan). */
    private static double parseCDouble(String t) {
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        String body = lower.startsWith("-") || lower.startsWith("+") ? lower.substring(1) : lower;
        boolean neg = lower.startsWith("-");
        if (body.equals("inf") || body.equals("infinity")) {
            return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (body.equals("nan") || body.startsWith("nan(")) {
            return Double.NaN;
        }
        if (body.startsWith("0x")) {
            String hex = body.contains("p") ? body : body + "p0";
            return Double.parseDouble((neg ? "-" : "") + hex);
        }
        // Java accepts suffixes C does not ("1d", "1f"); C accepts nothing Java refuses here.
        char last = body.isEmpty() ? ' ' : body.charAt(body.length() - 1);
        if (!(Character.isDigit(last) || last == '.') || body.indexOf(' ') >= 0) {
            throw new NumberFormatException(t);
        }
        return Double.parseDouble(t);
    }

    /**
     * Formats like Redis's ld2string in LD_STR_HUMAN mode (INCRBYFLOAT's reply): "%.17Lf" with
     * trailing zeros and a trailing dot removed. Redis uses long double; see docs/compatibility.md
     * for where 64-bit doubles can differ in the last digits.
     */
    public static String formatHuman(double d) {
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        java.math.BigDecimal bd = new java.math.BigDecimal(d).setScale(17, java.math.RoundingMode.HALF_EVEN);
        String s = bd.toPlainString();
        if (s.indexOf('.') >= 0) {
            int end = s.length();
            while (s.charAt(end - 1) == '0') {
                end--;
            }
            if (s.charAt(end - 1) == '.') {
                end--;
            }
            s = s.substring(0, end);
        }
        return s.equals("-0") ? "0" : s;
    }
}
