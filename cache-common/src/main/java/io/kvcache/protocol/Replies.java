package io.kvcache.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the few reply shapes a proxy merges (integers, OK, arrays of bulks) from raw RESP bytes. */
public final class Replies {

    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);

    private Replies() {
    }

    public static boolean isError(byte[] reply) {
        return reply.length > 0 && reply[0] == '-';
    }

    /** Whether the encoded reply begins with prefix (its type byte included: "-NOTBUSY"). */
    public static boolean startsWith(byte[] reply, String prefix) {
        if (reply.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (reply[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    public static boolean isOk(byte[] reply) {
        return java.util.Arrays.equals(reply, OK);
    }

    public static boolean isNullBulk(byte[] reply) {
        return reply.length == 5 && reply[0] == '$' && reply[1] == '-';
    }

    /** The value of an integer reply {@code :n}. */
    public static long integer(byte[] reply) {
        if (reply.length < 4 || reply[0] != ':') {
            throw new IllegalArgumentException("Not an integer reply");
        }
        return RedisNumbers.parseLong(reply, 1, reply.length - 2);
    }

    /** The text of a bulk reply, or null for the null bulk. */
    public static byte[] bulk(byte[] reply) {
        return bulk(reply, 0, new int[1]);
    }

    /**
     * The raw bytes of each element of an array reply (each element is itself a whole reply, so
     * it can be relayed as it is).
     */
    public static List<byte[]> elements(byte[] reply) {
        return elements(reply, 0, reply.length);
    }

    public static List<byte[]> elements(byte[] reply, int from, int to) {
        if (reply[from] != '*') {
            throw new IllegalArgumentException("Not an array reply");
        }
        int cr = indexOfCr(reply, from);
        long n = RedisNumbers.parseLong(reply, from + 1, cr);
        List<byte[]> out = new ArrayList<>((int) Math.max(0, n));
        int p = cr + 2;
        for (long i = 0; i < n; i++) {
            int end = ReplyScanner.end(reply, p, to);
            out.add(java.util.Arrays.copyOfRange(reply, p, end));
            p = end;
        }
        return out;
    }

    private static byte[] bulk(byte[] reply, int from, int[] endOut) {
        if (reply[from] != '$') {
            throw new IllegalArgumentException("Not a bulk reply");
        }
        int cr = indexOfCr(reply, from);
        long len = RedisNumbers.parseLong(reply, from + 1, cr);
        if (len < 0) {
            endOut[0] = cr + 2;
            return null;
        }
        endOut[0] = cr + 2 + (int) len + 2;
        return java.util.Arrays.copyOfRange(reply, cr + 2, cr + 2 + (int) len);
    }

    private static int indexOfCr(byte[] b, int from) {
        int i = from;
        while (b[i] != '\r') {
            i++;
        }
        return i;
    }
}
