package io.kvcache.slave.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.RespWriter;

/**
 * Writes a key's state as the RESP commands that recreate it on a replica: {@code DEL}, then
 * {@code SET} or {@code RPUSH} (in batches, so no single command grows with the list), then
 * {@code PEXPIREAT} when it has a deadline. Deadlines are absolute, so replaying later gives the
 * same key.
 */
final class StateEncoder {

    private static final byte[] DEL = bytes("DEL");
    private static final byte[] SET = bytes("SET");
    private static final byte[] RPUSH = bytes("RPUSH");
    private static final byte[] PEXPIREAT = bytes("PEXPIREAT");
    private static final byte[] PERSIST = bytes("PERSIST");
    private static final byte[] HSET = bytes("HSET");
    private static final byte[] SADD = bytes("SADD");
    private static final byte[] ZADD = bytes("ZADD");
    private static final int PUSH_BATCH = 512;

    private StateEncoder() {
    }

    /** Replaces whatever the replica holds under this key (SET replaces any type and deadline). */
    static void encode(Entry e, RespWriter out) {
        encodeValue(e, out);
    }

    /** The value (a SET replaces, an RPUSH needs a DEL first) and the deadline. */
    static void encodeValue(Entry e, RespWriter out) {
        switch (e.value) {
            case StringValue s -> out.array(3).bulk(SET).bulk(e.key).bulk(s.bytes());
            case QuickList list -> {
                delete(e.key, out);
                for (int from = 0; from < list.size(); from += PUSH_BATCH) {
                    int n = Math.min(PUSH_BATCH, list.size() - from);
                    out.array(2 + n).bulk(RPUSH).bulk(e.key);
                    for (int i = from; i < from + n; i++) {
                        out.bulk(list.get(i));
                    }
                }
            }
            case ZSetValue zset -> {
                delete(e.key, out);
                java.util.Iterator<ZSetValue.Scored> it = zset.iterator(false);
                for (int from = 0; from < zset.size(); from += PUSH_BATCH) {
                    int n = Math.min(PUSH_BATCH, zset.size() - from);
                    out.array(2 + 2 * n).bulk(ZADD).bulk(e.key);
                    for (int i = 0; i < n; i++) {
                        ZSetValue.Scored s = it.next();
                        out.bulk(Scores.formatBytes(s.score())).bulk(s.member()); // %.17g: the same double back
                    }
                }
            }
            case SetValue set -> {
                delete(e.key, out);
                List<byte[]> members = set.members();
                for (int from = 0; from < members.size(); from += PUSH_BATCH) {
                    int n = Math.min(PUSH_BATCH, members.size() - from);
                    out.array(2 + n).bulk(SADD).bulk(e.key);
                    for (int i = from; i < from + n; i++) {
                        out.bulk(members.get(i));
                    }
                }
            }
            case HashValue hash -> {
                delete(e.key, out);
                List<byte[]> pairs = hash.flatten();
                for (int from = 0; from < pairs.size(); from += 2 * PUSH_BATCH) {
                    int n = Math.min(2 * PUSH_BATCH, pairs.size() - from);
                    out.array(2 + n).bulk(HSET).bulk(e.key);
                    for (int i = from; i < from + n; i++) {
                        out.bulk(pairs.get(i));
                    }
                }
            }
        }
        if (e.hasExpiry()) {
            encodeDeadline(e, out);
        }
    }

    static void encodeDeadline(Entry e, RespWriter out) {
        if (e.hasExpiry()) {
            out.array(3).bulk(PEXPIREAT).bulk(e.key).bulk(RedisNumbers.toBytes(e.expireAt));
        } else {
            out.array(2).bulk(PERSIST).bulk(e.key);
        }
    }

    static void delete(byte[] key, RespWriter out) {
        out.array(2).bulk(DEL).bulk(key);
    }

    /** A 64-bit digest of key, type, value and deadline; summed over keys it ignores order. */
    static long digest(Entry e) {
        long h = mix(Arrays.hashCode(e.key), e.key.length);
        switch (e.value) {
            case StringValue s -> h = mix(h, Arrays.hashCode(s.bytes()));
            case QuickList list -> {
                h = mix(h, list.size());
                for (int i = 0; i < list.size(); i++) {
                    h = mix(h, Arrays.hashCode(list.get(i)));
                }
            }
            case ZSetValue zset -> {
                h = mix(h, 'z');
                for (java.util.Iterator<ZSetValue.Scored> it = zset.iterator(false); it.hasNext(); ) {
                    ZSetValue.Scored s = it.next();
                    h = mix(mix(h, Arrays.hashCode(s.member())), Double.doubleToLongBits(s.score()));
                }
            }
            case SetValue set -> {
                h = mix(h, 's');
                long members = 0; // summed: order does not count
                for (byte[] m : set.members()) {
                    members += mix(Arrays.hashCode(m), m.length);
                }
                h = mix(h, members);
            }
            case HashValue hash -> {
                h = mix(h, 'h');
                long fields = 0; // summed: the digest of a hash ignores its fields' order, as Redis's DEBUG DIGEST
                List<byte[]> pairs = hash.flatten();
                for (int i = 0; i < pairs.size(); i += 2) {
                    fields += mix(Arrays.hashCode(pairs.get(i)), Arrays.hashCode(pairs.get(i + 1)));
                }
                h = mix(h, fields);
            }
        }
        return mix(h, e.expireAt);
    }

    private static long mix(long h, long v) {
        long x = (h ^ v) * 0x9E3779B97F4A7C15L;
        return x ^ (x >>> 29);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
