package io.kvcache.slave.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Compares a SCAN command by what a client can rely on, not by its raw reply.
 * <p>
 * Cursors and the split of keys between calls follow each server's hash table (random hash seeds,
 * incremental rehashing), so they legitimately differ. What SCAN guarantees is that a full iteration,
 * from cursor 0 until the cursor is 0 again, returns every key that existed throughout, possibly more
 * than once. Nothing changes the data during the iteration here, so the SETS of keys returned by a full
 * iteration with the same MATCH/COUNT/TYPE options must be equal.
 * <p>
 * The generated command itself is still sent to both servers: if either answers with an error (bad
 * cursor, bad COUNT, syntax error) the two replies must match byte for byte; if both accept it, both
 * replies must be a [cursor, keys] pair, and then the full iterations are compared.
 */
final class ScanComparison {

    /** A full scan of 12 keys takes a few dozen calls even with COUNT 1; far more means a broken cursor. */
    private static final int MAX_CALLS_PER_ITERATION = 10_000;

    private ScanComparison() {
    }

    /** A difference, already rendered for the report. */
    record Mismatch(String reference, String candidate, String rule) {
    }

    /** The reference's reply to the generated command (for statistics) and the difference, if any. */
    record Outcome(byte[] referenceReply, Optional<Mismatch> mismatch) {
    }

    /** Where the cursor is in a command compared here (SCAN, SSCAN), or -1 for any other command. */
    static int cursorIndex(byte[][] command) {
        return switch (ReplyComparator.commandName(command)) {
            case "SCAN" -> 1;
            case "SSCAN", "ZSCAN" -> 2; // a set held as a hashtable is scanned in pages, as the keyspace is
            default -> -1;
        };
    }

    static Outcome compare(byte[][] scan, ServerPair servers) throws IOException {
        ServerPair.Both<byte[]> replies = servers.onBoth(client -> client.call(scan));
        return new Outcome(replies.reference(), compare(scan, replies, servers));
    }

    private static Optional<Mismatch> compare(byte[][] scan, ServerPair.Both<byte[]> replies, ServerPair servers)
            throws IOException {
        if (isError(replies.reference()) || isError(replies.candidate())) {
            return Arrays.equals(replies.reference(), replies.candidate()) ? Optional.empty()
                    : Optional.of(rawMismatch(replies, "SCAN errors must match byte for byte"));
        }
        if (keysOfOneCall(replies.reference()) == null || keysOfOneCall(replies.candidate()) == null) {
            return Optional.of(rawMismatch(replies, "a SCAN reply must be [cursor, [keys...]]"));
        }
        byte[][] fromStart = scan.clone();
        fromStart[cursorIndex(scan)] = "0".getBytes(StandardCharsets.ISO_8859_1);
        ServerPair.Both<FullScan> full = servers.onBoth(client -> FullScan.run(client, fromStart));
        if (full.reference().equals(full.candidate())) {
            return Optional.empty();
        }
        return Optional.of(new Mismatch(full.reference().toString(), full.candidate().toString(),
                "a full SCAN iteration (" + Escaping.command(fromStart) + " ...) must return the same set of keys"));
    }

    /** The outcome of iterating from cursor 0 to cursor 0: the set of keys, or the reply that broke it. */
    record FullScan(TreeSet<String> keys, String failure) {

        static FullScan run(RawRedisClient client, byte[][] fromStart) throws IOException {
            byte[][] call = fromStart.clone();
            int cursorAt = cursorIndex(fromStart);
            TreeSet<String> keys = new TreeSet<>();
            for (int calls = 0; calls < MAX_CALLS_PER_ITERATION; calls++) {
                byte[] reply = client.call(call);
                List<RespValue> pair = keysOfOneCall(reply);
                if (pair == null) {
                    return new FullScan(null, "unexpected reply " + Escaping.reply(reply) + " to " + Escaping.command(call));
                }
                for (RespValue key : ((RespValue.ArrayReply) pair.get(1)).elements()) {
                    keys.add(new String(((RespValue.BulkString) key).bytes(), StandardCharsets.ISO_8859_1));
                }
                byte[] cursor = ((RespValue.BulkString) pair.getFirst()).bytes();
                if (Arrays.equals(cursor, fromStart[cursorAt])) {
                    return new FullScan(keys, null);
                }
                call[cursorAt] = cursor;
            }
            return new FullScan(null, "the cursor did not return to 0 within " + MAX_CALLS_PER_ITERATION + " calls");
        }

        @Override
        public String toString() {
            if (failure != null) {
                return failure;
            }
            List<String> printable = new ArrayList<>();
            keys.forEach(key -> printable.add('"' + Escaping.bytes(Escaping.ascii(key)) + '"'));
            return "keys " + printable;
        }
    }

    /** The [cursor, keys] pair of a SCAN reply, or null when the reply has another shape. */
    private static List<RespValue> keysOfOneCall(byte[] reply) {
        RespValue value;
        try {
            value = RespValue.decode(reply);
        } catch (RuntimeException e) {
            return null;
        }
        if (!(value instanceof RespValue.ArrayReply(List<RespValue> pair)) || pair == null || pair.size() != 2
                || !(pair.get(0) instanceof RespValue.BulkString(byte[] cursor)) || cursor == null
                || !(pair.get(1) instanceof RespValue.ArrayReply(List<RespValue> keys)) || keys == null) {
            return null;
        }
        for (RespValue key : keys) {
            if (!(key instanceof RespValue.BulkString(byte[] bytes)) || bytes == null) {
                return null;
            }
        }
        return pair;
    }

    static boolean isError(byte[] reply) {
        return reply.length > 0 && reply[0] == '-';
    }

    private static Mismatch rawMismatch(ServerPair.Both<byte[]> replies, String rule) {
        return new Mismatch(Escaping.reply(replies.reference()), Escaping.reply(replies.candidate()), rule);
    }
}
