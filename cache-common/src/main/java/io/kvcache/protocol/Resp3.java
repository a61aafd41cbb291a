package io.kvcache.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Rewrites a reply written in RESP2 as Redis writes it to a RESP3 client (HELLO 3): every nil
 * becomes RESP3's null, and the reply as a whole takes the shape its command gives it in RESP3 (a
 * map, a set, a double, pairs, a verbatim string, pushes). Commands keep writing RESP2; the shape is
 * declared per command ({@code Resp3Shapes}), so one table says what Redis's addReplyMap,
 * addReplySet, addReplyDouble and addReplyVerbatim calls say in its source. RESP3 already in the
 * input (the replies inside an EXEC, converted one by one) passes through.
 */
public final class Resp3 {

    /** What a reply becomes in RESP3, beyond its nulls. */
    public enum Shape {
        /** Only nils change (most commands). */
        PLAIN,
        /** An array of keys and values: a map (HGETALL, CONFIG GET, HELLO). */
        MAP,
        /** An array: a set (SMEMBERS, SINTER, SPOP with a count). */
        SET,
        /** A bulk holding a number: a double (ZSCORE, ZINCRBY). */
        DOUBLE,
        /** An array of numbers or nils: doubles (ZMSCORE). */
        DOUBLES,
        /** A flat array of members and scores: pairs of a member and a double (WITHSCORES). */
        SCORED_PAIRS,
        /** A member and its score: the score a double (ZPOPMIN without a count). */
        SCORED_PAIR,
        /** A flat array of fields and values: pairs (HRANDFIELD WITHVALUES). */
        PAIRS,
        /** A key, a member and a score: the score a double (BZPOPMIN). */
        KEY_MEMBER_SCORE,
        /** A key and its [member, score] pairs: each score a double (ZMPOP). */
        KEY_SCORED_PAIRS,
        /** A bulk of text: a verbatim string "txt" (INFO, CLIENT LIST). */
        VERBATIM,
        /** One or more arrays: pushes (the confirmations of SUBSCRIBE and its kin, messages). */
        PUSH,
        /** FUNCTION LIST: each library a map, its functions maps, their flags sets. */
        FUNCTION_LIST,
        /** FUNCTION STATS: a map of the running script (a map) and the engines (a map of maps). */
        FUNCTION_STATS
    }

    private Resp3() {
    }

    /** The reply (or replies, for pushes) in b[from, to) as a RESP3 client receives it. */
    public static byte[] convert(byte[] b, int from, int to, Shape shape) {
        Out out = new Out(to - from + 16);
        int p = from;
        do {
            p = top(b, p, out, shape);
        } while (shape == Shape.PUSH && p < to);
        return out.bytes();
    }

    /** A frame pushed to a subscriber ("message", "pmessage", a confirmation) as a RESP3 push. */
    public static byte[] push(byte[] frame) {
        if (frame.length == 0 || frame[0] != '*') {
            return frame;
        }
        byte[] copy = frame.clone();
        copy[0] = '>';
        return copy;
    }

    private static int top(byte[] b, int p, Out out, Shape shape) {
        byte type = b[p];
        int cr = lineEnd(b, p);
        if (type == '-' || isNil(b, p, cr)) {
            return element(b, p, out);
        }
        switch (shape) {
            case MAP, SET, PUSH -> {
                if (type != '*') {
                    return element(b, p, out);
                }
                long n = count(b, p, cr);
                long emitted = shape == Shape.MAP ? n / 2 : n;
                out.header(shape == Shape.MAP ? '%' : shape == Shape.SET ? '~' : '>', emitted);
                return elements(b, cr + 2, n, out);
            }
            case DOUBLE -> {
                return number(b, p, out);
            }
            case DOUBLES -> {
                if (type != '*') {
                    return element(b, p, out);
                }
                long n = count(b, p, cr);
                out.header('*', n);
                int q = cr + 2;
                for (long i = 0; i < n; i++) {
                    q = number(b, q, out);
                }
                return q;
            }
            case SCORED_PAIRS, PAIRS -> {
                if (type != '*') {
                    return element(b, p, out);
                }
                return pairs(b, p, out, shape == Shape.SCORED_PAIRS);
            }
            case SCORED_PAIR -> {
                if (type != '*' || count(b, p, cr) != 2) {
                    return element(b, p, out);
                }
                out.header('*', 2);
                int q = element(b, cr + 2, out);
                return number(b, q, out);
            }
            case KEY_MEMBER_SCORE -> {
                if (type != '*' || count(b, p, cr) != 3) {
                    return element(b, p, out);
                }
                out.header('*', 3);
                int q = element(b, cr + 2, out);
                q = element(b, q, out);
                return number(b, q, out);
            }
            case KEY_SCORED_PAIRS -> {
                if (type != '*' || count(b, p, cr) != 2) {
                    return element(b, p, out);
                }
                out.header('*', 2);
                int q = element(b, cr + 2, out);
                if (b[q] != '*' || isNil(b, q, lineEnd(b, q))) {
                    return element(b, q, out);
                }
                int pairsEnd = lineEnd(b, q);
                long n = count(b, q, pairsEnd);
                out.header('*', n);
                q = pairsEnd + 2;
                for (long i = 0; i < n; i++) { // already pairs in RESP2: each score becomes a double
                    out.header('*', 2);
                    q = element(b, lineEnd(b, q) + 2, out);
                    q = number(b, q, out);
                }
                return q;
            }
            case VERBATIM -> {
                if (type != '$') {
                    return element(b, p, out);
                }
                int len = (int) count(b, p, cr);
                out.header('=', len + 4);
                out.write("txt:".getBytes(StandardCharsets.US_ASCII), 0, 4);
                out.write(b, cr + 2, len + 2);
                return cr + 2 + len + 2;
            }
            case FUNCTION_LIST -> {
                if (type != '*') {
                    return element(b, p, out);
                }
                long n = count(b, p, cr);
                out.header('*', n);
                int q = cr + 2;
                for (long i = 0; i < n; i++) {
                    q = map(b, q, out, (key, at) -> key.equals("functions") ? arrayOf(b, at, out,
                            at2 -> map(b, at2, out, (k2, v2) -> k2.equals("flags") ? set(b, v2, out) : element(b, v2, out)))
                            : element(b, at, out));
                }
                return q;
            }
            case FUNCTION_STATS -> {
                if (type != '*') {
                    return element(b, p, out);
                }
                return map(b, p, out, (key, at) -> key.equals("engines")
                        ? map(b, at, out, (engine, v) -> map(b, v, out, (k, v2) -> element(b, v2, out)))
                        : b[at] == '*' && !isNil(b, at, lineEnd(b, at)) ? map(b, at, out, (k, v) -> element(b, v, out))
                        : element(b, at, out));
            }
            default -> {
                return element(b, p, out);
            }
        }
    }

    /** Converts the value at a position, knowing its key; returns where the next element begins. */
    @FunctionalInterface
    private interface Value {
        int convert(String key, int at);
    }

    /** A RESP2 array of keys and values as a map, each value converted knowing its key. */
    private static int map(byte[] b, int p, Out out, Value value) {
        int cr = lineEnd(b, p);
        if (b[p] != '*' || isNil(b, p, cr)) {
            return element(b, p, out);
        }
        long n = count(b, p, cr);
        out.header('%', n / 2);
        int q = cr + 2;
        for (long i = 0; i < n / 2; i++) {
            int keyEnd = element(b, q, out);
            String key = text(b, q);
            q = value.convert(key, keyEnd);
        }
        return q;
    }

    /** An array whose elements each convert by element. */
    private static int arrayOf(byte[] b, int p, Out out, java.util.function.IntUnaryOperator element) {
        int cr = lineEnd(b, p);
        if (b[p] != '*' || isNil(b, p, cr)) {
            return element(b, p, out);
        }
        long n = count(b, p, cr);
        out.header('*', n);
        int q = cr + 2;
        for (long i = 0; i < n; i++) {
            q = element.applyAsInt(q);
        }
        return q;
    }

    private static int set(byte[] b, int p, Out out) {
        int cr = lineEnd(b, p);
        if (b[p] != '*' || isNil(b, p, cr)) {
            return element(b, p, out);
        }
        long n = count(b, p, cr);
        out.header('~', n);
        return elements(b, cr + 2, n, out);
    }

    /** The text of a bulk or simple string at p (a map's key). */
    private static String text(byte[] b, int p) {
        int cr = lineEnd(b, p);
        if (b[p] == '$') {
            int len = (int) count(b, p, cr);
            return len < 0 ? "" : new String(b, cr + 2, len, StandardCharsets.ISO_8859_1);
        }
        return new String(b, p + 1, cr - p - 1, StandardCharsets.ISO_8859_1);
    }

    /** A flat array of 2n elements as n pairs, the second of each a double when scored. */
    private static int pairs(byte[] b, int p, Out out, boolean scored) {
        int cr = lineEnd(b, p);
        long n = count(b, p, cr);
        out.header('*', n / 2);
        int q = cr + 2;
        for (long i = 0; i < n / 2; i++) {
            out.header('*', 2);
            q = element(b, q, out);
            q = scored ? number(b, q, out) : element(b, q, out);
        }
        return q;
    }

    /** A bulk holding a number as a RESP3 double (a nil as null); anything else as it is. */
    private static int number(byte[] b, int p, Out out) {
        int cr = lineEnd(b, p);
        if (b[p] != '$' || isNil(b, p, cr)) {
            return element(b, p, out);
        }
        int len = (int) count(b, p, cr);
        out.write((byte) ',');
        out.write(b, cr + 2, len + 2);
        return cr + 2 + len + 2;
    }

    private static int elements(byte[] b, int p, long n, Out out) {
        for (long i = 0; i < n; i++) {
            p = element(b, p, out);
        }
        return p;
    }

    /** Copies one element, nils as RESP3's null, and returns where the next begins. */
    private static int element(byte[] b, int p, Out out) {
        byte type = b[p];
        int cr = lineEnd(b, p);
        switch (type) {
            case '$', '=', '!' -> {
                long len = count(b, p, cr);
                if (len < 0) {
                    out.write(NULL, 0, NULL.length);
                    return cr + 2;
                }
                int end = (int) (cr + 2 + len + 2);
                out.write(b, p, end - p);
                return end;
            }
            case '*', '~', '>', '%' -> {
                long n = count(b, p, cr);
                if (n < 0) {
                    out.write(NULL, 0, NULL.length);
                    return cr + 2;
                }
                out.write(b, p, cr + 2 - p);
                return elements(b, cr + 2, type == '%' ? 2 * n : n, out);
            }
            default -> { // + - : _ , # ( : one line
                out.write(b, p, cr + 2 - p);
                return cr + 2;
            }
        }
    }

    private static final byte[] NULL = {'_', '\r', '\n'};

    private static boolean isNil(byte[] b, int p, int cr) {
        return (b[p] == '$' || b[p] == '*') && cr == p + 3 && b[p + 1] == '-' && b[p + 2] == '1';
    }

    private static long count(byte[] b, int p, int cr) {
        return RedisNumbers.parseLong(b, p + 1, cr);
    }

    private static int lineEnd(byte[] b, int p) {
        int i = p + 1;
        while (b[i] != '\r') {
            i++;
        }
        return i;
    }

    /** A growable byte buffer. */
    private static final class Out {
        private byte[] buf;
        private int size;

        Out(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        void write(byte v) {
            ensure(1);
            buf[size++] = v;
        }

        void write(byte[] src, int off, int len) {
            ensure(len);
            System.arraycopy(src, off, buf, size, len);
            size += len;
        }

        void header(char type, long n) {
            write((byte) type);
            byte[] digits = Long.toString(n).getBytes(StandardCharsets.US_ASCII);
            write(digits, 0, digits.length);
            write((byte) '\r');
            write((byte) '\n');
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, size);
        }
    }
}
