package io.kvcache.slave.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decides whether the candidate's raw reply is the reference's reply. The rule is byte-for-byte
 * equality, with exactly two tolerated differences, both caused by the test rather than the server:
 * <ol>
 * <li><b>Remaining time.</b> TTL, PTTL, EXPIRETIME and PEXPIRETIME of a key whose deadline was set
 * relative to "now" reflect the moment each server ran the command, and the two servers run it a few
 * milliseconds apart. A non-negative integer reply may therefore differ by 1 (seconds) or 1000
 * (milliseconds), which also covers TTL's rounding to the nearest second. The special replies -1 (no
 * deadline) and -2 (no key), and anything that is not an integer, must match exactly.</li>
 * <li><b>Hash-table order.</b> KEYS lists keys in hash-table order, which depends on each process's
 * random hash seed, and so do the set commands that list members once Redis holds the set as a
 * hashtable (SMEMBERS, SINTER, SUNION, SDIFF, SPOP and SRANDMEMBER with a count); their arrays are
 * compared as multisets of elements. An error must match exactly.</li>
 * </ol>
 * SCAN and SSCAN are not compared reply by reply at all: see {@link ScanComparison}.
 */
final class ReplyComparator {

    static final long SECONDS_TOLERANCE = 1;
    static final long MILLISECONDS_TOLERANCE = 1000;

    private static final Set<String> SECONDS_TIME_COMMANDS = Set.of("TTL", "EXPIRETIME");
    private static final Set<String> MILLISECONDS_TIME_COMMANDS = Set.of("PTTL", "PEXPIRETIME");
    /** Replies listing a set's members: in a hashtable's order on Redis once a set is not an intset. */
    private static final Set<String> UNORDERED = Set.of("KEYS", "SMEMBERS", "SINTER", "SUNION", "SDIFF", "SPOP",
            "SRANDMEMBER");

    private ReplyComparator() {
    }

    static boolean equivalent(byte[][] command, byte[] reference, byte[] candidate) {
        if (Arrays.equals(reference, candidate)) {
            return true;
        }
        String name = commandName(command);
        if (SECONDS_TIME_COMMANDS.contains(name)) {
            return withinTolerance(reference, candidate, SECONDS_TOLERANCE);
        }
        if (MILLISECONDS_TIME_COMMANDS.contains(name)) {
            return withinTolerance(reference, candidate, MILLISECONDS_TOLERANCE);
        }
        if (UNORDERED.contains(name)) {
            return sameElementsInAnyOrder(reference, candidate);
        }
        return false;
    }

    static String commandName(byte[][] command) {
        return new String(command[0], StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
    }

    private static boolean withinTolerance(byte[] reference, byte[] candidate, long tolerance) {
        if (!(decodeQuietly(reference) instanceof RespValue.IntegerReply(long expected))
                || !(decodeQuietly(candidate) instanceof RespValue.IntegerReply(long actual))) {
            return false;
        }
        return expected >= 0 && actual >= 0 && Math.abs(expected - actual) <= tolerance;
    }

    private static boolean sameElementsInAnyOrder(byte[] reference, byte[] candidate) {
        List<String> expected = sortedBulkStrings(reference);
        List<String> actual = sortedBulkStrings(candidate);
        return expected != null && expected.equals(actual);
    }

    /** The elements of an array of bulk strings, sorted; null if the reply is anything else. */
    static List<String> sortedBulkStrings(byte[] reply) {
        if (!(decodeQuietly(reply) instanceof RespValue.ArrayReply(List<RespValue> elements)) || elements == null) {
            return null;
        }
        List<String> strings = new ArrayList<>(elements.size());
        for (RespValue element : elements) {
            if (!(element instanceof RespValue.BulkString(byte[] bytes)) || bytes == null) {
                return null;
            }
            strings.add(new String(bytes, StandardCharsets.ISO_8859_1));
        }
        strings.sort(null);
        return strings;
    }

    /** A reply the candidate framed correctly but filled with nonsense is simply "different". */
    private static RespValue decodeQuietly(byte[] reply) {
        try {
            return RespValue.decode(reply);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
