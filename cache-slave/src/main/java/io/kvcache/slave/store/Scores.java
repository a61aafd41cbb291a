package io.kvcache.slave.store;

import io.kvcache.protocol.RedisNumbers;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;

/**
 * Sorted-set scores as Redis 7.0 reads and prints them: glibc's {@code strtod} (decimal and
 * hexadecimal forms, inf and infinity) and {@code "%.17g"}. Java's own
 * {@code Double.parseDouble} accepts more ("1d", surrounding blanks, "Infinity") and
 * {@code String.format("%.17g")} prints differently (no trailing zeros are stripped), so both are
 * done by hand around the correctly rounded conversions the JDK and glibc share.
 */
final class Scores {

    /** What does not parse. */
    static final class NotAScore extends RuntimeException {
        static final NotAScore INSTANCE = new NotAScore();

        private NotAScore() {
            super(null, null, false, false);
        }
    }


    private Scores() {
    }

    /**
     * getDoubleFromObject: the whole argument a number, not empty, no leading blank, not NaN, not
     * out of range (strtod's ERANGE to infinity or to zero).
     */
    static double parseStrict(byte[] s) {
        if (s.length == 0 || isSpace(s[0])) {
            throw NotAScore.INSTANCE;
        }
        double v = strtod(s, 0);
        if (Double.isNaN(v)) {
            throw NotAScore.INSTANCE;
        }
        return v;
    }

    /**
     * zslParseRange's strtod of a bound (after an optional "("): leading blanks and an empty
     * string (0) pass, as they do in Redis; NaN does not.
     */
    static double parseBound(byte[] s, int from) {
        int i = from;
        while (i < s.length && isSpace(s[i])) {
            i++;
        }
        if (i == s.length) {
            if (i == from) {
                return 0; // strtod("") parses nothing, and Redis only checks that nothing is left
            }
            throw NotAScore.INSTANCE;
        }
        double v = strtodRange(s, i);
        if (Double.isNaN(v)) {
            throw NotAScore.INSTANCE;
        }
        return v;
    }

    /**
     * SORT's strtod of a weight: the string ends at a NUL, as in C; leading blanks pass, an empty
     * string is 0 (strtod parses nothing and nothing is left), nothing may follow the number, and
     * neither ERANGE nor NaN passes.
     */
    static double parseSortWeight(byte[] s) {
        int n = 0;
        while (n < s.length && s[n] != 0) {
            n++;
        }
        if (n == 0) {
            return 0;
        }
        int i = 0;
        while (i < n && isSpace(s[i])) {
            i++;
        }
        if (i == n) {
            throw NotAScore.INSTANCE; // nothing parsed: what is left is the blanks
        }
        double v = strtod(n == s.length ? s : java.util.Arrays.copyOf(s, n), i);
        if (Double.isNaN(v)) {
            throw NotAScore.INSTANCE;
        }
        return v;
    }

    /** A strict parse: ERANGE is an error. */
    private static double strtod(byte[] s, int from) {
        int i = from;
        boolean negative = false;
        if (s[i] == '+' || s[i] == '-') {
            negative = s[i] == '-';
            i++;
        }
        Double special = infinityOrNan(s, i, negative);
        if (special != null) {
            return special;
        }
        String text = decimal(s, from, i);
        double v = Double.parseDouble(text);
        if (Double.isInfinite(v) || (v == 0 && hasNonZeroDigit(s, i))) {
            throw NotAScore.INSTANCE; // ERANGE
        }
        return v;
    }

    /** A range bound's parse: ERANGE is not checked (strtod's HUGE_VAL and 0 are used as they are). */
    private static double strtodRange(byte[] s, int from) {
        int i = from;
        boolean negative = false;
        if (s[i] == '+' || s[i] == '-') {
            negative = s[i] == '-';
            i++;
        }
        Double special = infinityOrNan(s, i, negative);
        if (special != null) {
            return special;
        }
        return Double.parseDouble(decimal(s, from, i));
    }

    /** inf, infinity or nan (any case) making up the rest of s, or null. */
    private static Double infinityOrNan(byte[] s, int i, boolean negative) {
        String rest = new String(s, i, s.length - i, StandardCharsets.ISO_8859_1);
        if (rest.equalsIgnoreCase("inf") || rest.equalsIgnoreCase("infinity")) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (rest.regionMatches(true, 0, "nan", 0, Math.min(3, rest.length())) && rest.length() >= 3) {
            return Double.NaN; // nan and nan(...): rejected by every caller
        }
        return null;
    }

    /** The decimal number from from (its sign included) to the end, checked against strtod's grammar. */
    private static String decimal(byte[] s, int from, int digitsFrom) {
        if (isHex(s, digitsFrom)) {
            return hex(s, from, digitsFrom + 2);
        }
        int i = digitsFrom;
        int mantissaDigits = 0;
        while (i < s.length && isDigit(s[i])) {
            i++;
            mantissaDigits++;
        }
        if (i < s.length && s[i] == '.') {
            i++;
            while (i < s.length && isDigit(s[i])) {
                i++;
                mantissaDigits++;
            }
        }
        if (mantissaDigits == 0) {
            throw NotAScore.INSTANCE;
        }
        if (i < s.length && (s[i] == 'e' || s[i] == 'E')) {
            int e = i + 1;
            if (e < s.length && (s[e] == '+' || s[e] == '-')) {
                e++;
            }
            int expDigits = 0;
            while (e < s.length && isDigit(s[e])) {
                e++;
                expDigits++;
            }
            if (expDigits == 0) {
                throw NotAScore.INSTANCE; // strtod stops before the 'e': something is left
            }
            i = e;
        }
        if (i != s.length) {
            throw NotAScore.INSTANCE;
        }
        String text = new String(s, from, s.length - from, StandardCharsets.ISO_8859_1);
        if (text.endsWith(".") || text.contains(".e") || text.contains(".E")) {
            text = text.replace(".", ".0"); // Java wants a digit after the point; "5." is 5.0
        }
        return text;
    }

    /** "0x" followed by a hex digit, or by a point and a hex digit: strtod's hexadecimal form. */
    private static boolean isHex(byte[] s, int i) {
        if (i + 2 >= s.length || s[i] != '0' || (s[i + 1] != 'x' && s[i + 1] != 'X')) {
            return false;
        }
        return Character.digit(s[i + 2], 16) >= 0
                || (s[i + 2] == '.' && i + 3 < s.length && Character.digit(s[i + 3], 16) >= 0);
    }

    /** The hexadecimal float from from (sign included) to the end, with the "p0" Java needs when it has no exponent. */
    private static String hex(byte[] s, int from, int digitsFrom) {
        int i = digitsFrom;
        while (i < s.length && Character.digit(s[i], 16) >= 0) {
            i++;
        }
        if (i < s.length && s[i] == '.') {
            i++;
            while (i < s.length && Character.digit(s[i], 16) >= 0) {
                i++;
            }
        }
        boolean exponent = false;
        if (i < s.length && (s[i] == 'p' || s[i] == 'P')) {
            int e = i + 1;
            if (e < s.length && (s[e] == '+' || s[e] == '-')) {
                e++;
            }
            int digits = 0;
            while (e < s.length && isDigit(s[e])) {
                e++;
                digits++;
            }
            if (digits > 0) {
                i = e;
                exponent = true;
            }
        }
        if (i != s.length) {
            throw NotAScore.INSTANCE;
        }
        String text = new String(s, from, s.length - from, StandardCharsets.ISO_8859_1);
        return exponent ? text : text + "p0";
    }

    private static boolean hasNonZeroDigit(byte[] s, int from) {
        for (int i = from; i < s.length && s[i] != 'e' && s[i] != 'E'; i++) {
            if (s[i] >= '1' && s[i] <= '9') {
                return true;
            }
        }
        return false;
    }

    /** addReplyDouble in RESP2: "inf", "-inf", or printf's "%.17g". */
    static String format(double d) {
        return RedisNumbers.formatG17(d);
    }

    static byte[] formatBytes(double d) {
        return format(d).getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** C's isspace in the C locale. */
    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
    }
}
