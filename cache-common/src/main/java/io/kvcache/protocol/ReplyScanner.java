package io.kvcache.protocol;

/**
 * Finds where one complete RESP2 reply ends in a buffer, without decoding it, so a proxy can
 * relay replies as bytes. Nested arrays are followed with a count of elements still expected.
 */
public final class ReplyScanner {

    private ReplyScanner() {
    }

    /**
     * @return the index just past the reply starting at from, or -1 if it is not complete yet
     * @throws IllegalStateException on bytes that are not RESP2
     */
    public static int end(byte[] b, int from, int to) {
        long pending = 1;
        int p = from;
        while (pending > 0) {
            if (p >= to) {
                return -1;
            }
            byte type = b[p];
            int cr = lineEnd(b, p + 1, to);
            if (cr < 0) {
                return -1;
            }
            switch (type) {
                case '+', '-', ':' -> p = cr + 2;
                case '$' -> {
                    long len = RedisNumbers.parseLong(b, p + 1, cr);
                    if (len < 0) {
                        p = cr + 2;
                    } else {
                        long next = (long) cr + 2 + len + 2;
                        if (next > to) {
                            return -1;
                        }
                        p = (int) next;
                    }
                }
                case '*' -> {
                    long n = RedisNumbers.parseLong(b, p + 1, cr);
                    p = cr + 2;
                    if (n > 0) {
                        pending += n;
                    }
                }
                default -> throw new IllegalStateException("Not a RESP reply: byte " + (b[p] & 0xff));
            }
            pending--;
        }
        return p;
    }

    /** Index of the '\r' of the CRLF ending the line that starts at from, or -1 if incomplete. */
    private static int lineEnd(byte[] b, int from, int to) {
        for (int i = from; i + 1 < to; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
