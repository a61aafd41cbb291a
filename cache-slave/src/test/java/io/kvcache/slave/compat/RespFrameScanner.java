package io.kvcache.slave.compat;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Finds where one complete RESP2 or RESP3 reply ends in a byte buffer that may hold only part of it.
 * <p>
 * The scanner is resumable: when the bytes run out it keeps the position of the first element it
 * could not finish and the element counts of the arrays still open, so a large nested reply arriving
 * in many TCP segments is scanned once, not from its start on every read. It only validates framing
 * (type byte, CRLF, lengths); the client keeps the raw bytes so replies can be compared byte for byte.
 */
final class RespFrameScanner {

    /** Next unscanned position, relative to the start of the current reply. */
    private int scanned;
    /** Elements still expected by each open array, innermost last. */
    private final Deque<Long> openArrays = new ArrayDeque<>();

    /**
     * Continues scanning the reply that starts at {@code start}.
     *
     * @return the exclusive end offset of the complete reply, or -1 if more bytes are needed
     * @throws IllegalStateException if the bytes are not valid RESP2
     */
    int scan(byte[] buf, int start, int limit) {
        while (true) {
            int element = start + scanned;
            int lineEnd = findCrlf(buf, element, limit);
            if (lineEnd < 0) {
                return -1;
            }
            int next = lineEnd + 2;
            byte type = buf[element];
            switch (type) {
                case '+', '-', ':', '_', ',', '#', '(' -> { // RESP3's null, double, boolean, big number: one line
                    if (type == ':') {
                        parseLong(buf, element + 1, lineEnd);
                    }
                }
                case '$', '=', '!' -> { // RESP3's verbatim string and blob error: as a bulk
                    long length = parseLong(buf, element + 1, lineEnd);
                    if (length >= 0) {
                        long bulkEnd = (long) next + length + 2;
                        if (bulkEnd > limit) {
                            return -1; // re-read this short header once the payload has arrived
                        }
                        if (buf[(int) bulkEnd - 2] != '\r' || buf[(int) bulkEnd - 1] != '\n') {
                            throw malformed(buf, element, "bulk string not terminated by CRLF");
                        }
                        next = (int) bulkEnd;
                    } else if (length != -1) {
                        throw malformed(buf, element, "negative bulk length");
                    }
                }
                case '*', '~', '>', '%' -> { // RESP3's set, push, map (two elements per entry)
                    long count = parseLong(buf, element + 1, lineEnd) * (type == '%' ? 2 : 1);
                    if (count > 0) {
                        scanned = next - start;
                        openArrays.addLast(count);
                        continue;
                    }
                    if (count < -1) {
                        throw malformed(buf, element, "negative array length");
                    }
                }
                default -> throw malformed(buf, element, "unknown reply type");
            }
            scanned = next - start;
            if (completeElement()) {
                int end = start + scanned;
                scanned = 0;
                return end;
            }
        }
    }

    /** Counts a finished element against the open arrays; true when the whole reply is complete. */
    private boolean completeElement() {
        while (!openArrays.isEmpty()) {
            long remaining = openArrays.removeLast() - 1;
            if (remaining > 0) {
                openArrays.addLast(remaining);
                return false;
            }
            // this array is finished, which completes one element of its parent
        }
        return true;
    }

    private static int findCrlf(byte[] buf, int from, int limit) {
        for (int i = from; i + 1 < limit; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static long parseLong(byte[] buf, int from, int to) {
        if (from == to) {
            throw malformed(buf, from - 1, "empty length or integer");
        }
        boolean negative = buf[from] == '-';
        long value = 0;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            int digit = buf[i] - '0';
            if (digit < 0 || digit > 9) {
                throw malformed(buf, from - 1, "not an integer");
            }
            value = value * 10 - digit; // accumulate negatively so Long.MIN_VALUE fits
        }
        return negative ? value : -value;
    }

    private static IllegalStateException malformed(byte[] buf, int at, String why) {
        int to = Math.min(buf.length, at + 40);
        byte[] excerpt = java.util.Arrays.copyOfRange(buf, at, to);
        return new IllegalStateException("Malformed RESP reply (" + why + ") at: " + Escaping.bytes(excerpt));
    }
}
