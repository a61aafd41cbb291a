package io.kvcache.slave.replication;

import java.util.Arrays;
import java.util.List;

import io.kvcache.protocol.Request;

/**
 * Splits a primary's replication stream into its commands, straight from the frame's bytes. The
 * stream is RESP multibulk only, written by a primary (never a client's inline commands, never
 * an unauthenticated peer), so it needs none of {@link io.kvcache.protocol.RespReader}'s work
 * for clients: no copy into a reader's buffer, no memory budget per argument, no scan for the
 * line end before the digits are read. On a replica this parse was a third of the fetcher's
 * CPU (docs/benchmarks.md). Malformed bytes still fail loudly rather than being applied.
 */
final class StreamParser {

    /** How a primary writes the brackets of a transaction into its stream (ReplicationLog). */
    private static final byte[] MULTI = {'M', 'U', 'L', 'T', 'I'};
    private static final byte[] EXEC = {'E', 'X', 'E', 'C'};

    private StreamParser() {
    }

    /**
     * Adds to out every complete command of body between from and to, in order.
     *
     * @param maxBulk the longest argument (proto-max-bulk-len): the primary accepted none longer
     * @return where the first incomplete command starts (to when none is): the bytes after it come
     *         with the next frame
     * @throws IllegalArgumentException when the bytes are not a RESP multibulk stream
     */
    static int parse(byte[] body, int from, int to, long maxBulk, List<Request> out) {
        int before = out.size();
        int[] transaction = {-1, -1}; // where an open MULTI starts, and how many requests were out before it
        int complete = parseCommands(body, from, to, maxBulk, out, transaction);
        if (transaction[0] < 0) {
            return complete;
        }
        // A transaction whose EXEC is not here yet waits for the next frame whole: a replica applies
        // all of it or nothing, whatever a failover cuts off.
        out.subList(Math.max(before, transaction[1]), out.size()).clear();
        return transaction[0];
    }

    private static int parseCommands(byte[] body, int from, int to, long maxBulk, List<Request> out,
                                     int[] transaction) {
        int complete = from;
        int p = from;
        byte[] name = null; // the last command's name: a stream repeats the same few
        while (p < to) {
            if (body[p] != '*') {
                throw malformed("expected '*'", p);
            }
            long count = 0;
            int q = p + 1;
            for (; q < to && body[q] != '\r'; q++) {
                count = digit(count, body[q], q);
            }
            if (q + 1 >= to) {
                return complete;
            }
            q += 2;
            // Each argument takes at least 6 bytes ($0, CRLF, CRLF): a count beyond what is left is a
            // command cut by the frame, and is never allocated before its bytes are here.
            if (count > (to - q) / 6 + 1) {
                return complete;
            }
            byte[][] argv = new byte[(int) count][];
            for (int i = 0; i < count; i++) {
                if (q >= to) {
                    return complete;
                }
                if (body[q] != '$') {
                    throw malformed("expected '$'", q);
                }
                long length = 0;
                for (q++; q < to && body[q] != '\r'; q++) {
                    length = digit(length, body[q], q);
                }
                if (length > maxBulk) {
                    throw malformed("bulk too long", q);
                }
                if (q + 1 >= to || q + 2 + length + 2 > to) {
                    return complete;
                }
                q += 2;
                int end = q + (int) length;
                if (i == 0 && name != null && Arrays.equals(body, q, end, name, 0, name.length)) {
                    argv[0] = name; // the same command as the one before: no copy (nothing writes to a name)
                } else {
                    argv[i] = Arrays.copyOfRange(body, q, end);
                }
                q = end + 2;
            }
            if (count > 0) {
                if (Arrays.equals(argv[0], MULTI)) {
                    transaction[0] = p;
                    transaction[1] = out.size();
                } else if (Arrays.equals(argv[0], EXEC)) {
                    transaction[0] = -1;
                }
                out.add(new Request(argv));
                name = argv[0];
            }
            p = q;
            complete = q;
        }
        return complete;
    }

    private static long digit(long value, byte b, int at) {
        if (b < '0' || b > '9' || value > Integer.MAX_VALUE) {
            throw malformed("bad length", at);
        }
        return value * 10 + (b - '0');
    }

    private static IllegalArgumentException malformed(String what, int at) {
        return new IllegalArgumentException("malformed replication stream: " + what + " at byte " + at);
    }
}
