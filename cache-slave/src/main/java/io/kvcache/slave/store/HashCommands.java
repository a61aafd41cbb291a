package io.kvcache.slave.store;

import io.kvcache.protocol.GlobMatcher;
import static io.kvcache.command.Commands.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.command.ScanCursor;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.LongDouble;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * The hash commands, following Redis 7.0's t_hash.c. As in Redis, a hash that becomes empty is
 * deleted, so an empty hash never exists. HSCAN answers every field in one reply with cursor 0, as
 * Redis does for the hashes it keeps as a listpack (a SCAN may return any number of elements).
 */
public final class HashCommands {

    private static final ErrorReply HASH_NOT_INTEGER = new ErrorReply("ERR hash value is not an integer");
    private static final ErrorReply HASH_NOT_FLOAT = new ErrorReply("ERR hash value is not a float");
    private static final ErrorReply NAN_OR_INFINITY = new ErrorReply("ERR value is NaN or Infinity");
    private static final ErrorReply OUT_OF_RANGE = new ErrorReply("ERR value is out of range");

    private final Keyspace db;

    public HashCommands(Keyspace db) {
        this.db = db;
    }

    public void register(Handlers h) {
        h.on(HSET, (r, out, s) -> hset(r, out, false))
                .on(HMSET, (r, out, s) -> hset(r, out, true))
                .on(HSETNX, this::hsetnx)
                .on(HGET, this::hget)
                .on(HMGET, this::hmget)
                .on(HDEL, this::hdel)
                .on(HLEN, this::hlen)
                .on(HSTRLEN, this::hstrlen)
                .on(HEXISTS, (r, out, s) -> out.integer(field(r, 2) == null ? 0 : 1))
                .on(HKEYS, (r, out, s) -> all(r, out, true, false))
                .on(HVALS, (r, out, s) -> all(r, out, false, true))
                .on(HGETALL, (r, out, s) -> all(r, out, true, true))
                .on(HINCRBY, this::hincrby)
                .on(HINCRBYFLOAT, this::hincrbyfloat)
                .on(HRANDFIELD, this::hrandfield)
                .on(HSCAN, this::hscan);
    }

    /** The hash under the request's key for a read (null when absent); WRONGTYPE for another type. */
    private HashValue readHash(Request r) {
        Entry e = db.lookupRead(r.arg(1));
        return e == null ? null : Types.hash(e);
    }

    /** The hash under the request's key for a write, created when absent. */
    private HashValue writeHash(Request r) {
        Entry e = db.lookup(r.arg(1));
        if (e != null) {
            return Types.hash(e);
        }
        HashValue hash = new HashValue();
        db.add(r.arg(1), hash);
        return hash;
    }

    private byte[] field(Request r, int i) {
        HashValue hash = readHash(r);
        return hash == null ? null : hash.get(r.arg(i));
    }

    /** hsetCommand (also HMSET, which answers OK): the arguments must come in pairs. */
    private void hset(Request r, RespWriter out, boolean hmset) {
        if (r.argc() % 2 == 1) {
            throw new ErrorReply(RespErrors.wrongArity(hmset ? "hmset" : "hset"));
        }
        HashValue hash = writeHash(r);
        int created = 0;
        for (int i = 2; i < r.argc(); i += 2) {
            if (hash.put(r.arg(i), r.arg(i + 1))) {
                created++;
            }
        }
        if (hmset) {
            out.ok();
        } else {
            out.integer(created);
        }
    }

    private void hsetnx(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        if (e != null && Types.hash(e).contains(r.arg(2))) {
            out.integer(0);
            return;
        }
        writeHash(r).put(r.arg(2), r.arg(3));
        out.integer(1);
    }

    private void hget(Request r, RespWriter out, Session s) {
        out.bulkOrNull(field(r, 2));
    }

    private void hmget(Request r, RespWriter out, Session s) {
        HashValue hash = readHash(r);
        out.array(r.argc() - 2);
        for (int i = 2; i < r.argc(); i++) {
            out.bulkOrNull(hash == null ? null : hash.get(r.arg(i)));
        }
    }

    private void hdel(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        HashValue hash = Types.hash(e);
        int deleted = 0;
        for (int i = 2; i < r.argc(); i++) {
            if (hash.remove(r.arg(i))) {
                deleted++;
                if (hash.isEmpty()) {
                    db.remove(e);
                    break;
                }
            }
        }
        out.integer(deleted);
    }

    private void hlen(Request r, RespWriter out, Session s) {
        HashValue hash = readHash(r);
        out.integer(hash == null ? 0 : hash.size());
    }

    private void hstrlen(Request r, RespWriter out, Session s) {
        byte[] value = field(r, 2);
        out.integer(value == null ? 0 : value.length);
    }

    /** genericHgetallCommand: fields, values, or both in a flat array. */
    private void all(Request r, RespWriter out, boolean fields, boolean values) {
        HashValue hash = readHash(r);
        if (hash == null) {
            out.array(0);
            return;
        }
        List<byte[]> pairs = hash.flatten();
        out.array(fields && values ? pairs.size() : hash.size());
        for (int i = 0; i < pairs.size(); i += 2) {
            if (fields) {
                out.bulk(pairs.get(i));
            }
            if (values) {
                out.bulk(pairs.get(i + 1));
            }
        }
    }

    private void hincrby(Request r, RespWriter out, Session s) {
        long increment = Arguments.longArg(r, 3);
        Entry e = db.lookup(r.arg(1));
        byte[] current = e == null ? null : Types.hash(e).get(r.arg(2));
        long value = 0;
        if (current != null) {
            try {
                value = RedisNumbers.parseLong(current);
            } catch (RedisNumbers.NotANumber notANumber) {
                throw HASH_NOT_INTEGER;
            }
        }
        if ((increment < 0 && value < 0 && increment < Long.MIN_VALUE - value)
                || (increment > 0 && value > 0 && increment > Long.MAX_VALUE - value)) {
            throw new ErrorReply(RespErrors.OVERFLOW);
        }
        value += increment;
        writeHash(r).put(r.arg(2), RedisNumbers.toBytes(value));
        out.integer(value);
    }

    /** hincrbyfloatCommand: long double arithmetic and "%.17Lf" formatting, as INCRBYFLOAT. */
    private void hincrbyfloat(Request r, RespWriter out, Session s) {
        LongDouble increment;
        try {
            increment = LongDouble.parse(r.arg(3));
        } catch (RedisNumbers.NotANumber notANumber) {
            throw new ErrorReply(RespErrors.NOT_FLOAT);
        }
        if (increment.isNaN() || increment.isInfinite()) {
            throw NAN_OR_INFINITY;
        }
        Entry e = db.lookup(r.arg(1));
        byte[] current = e == null ? null : Types.hash(e).get(r.arg(2));
        LongDouble value = LongDouble.of(0);
        if (current != null) {
            try {
                value = LongDouble.parse(current);
            } catch (RedisNumbers.NotANumber notANumber) {
                throw HASH_NOT_FLOAT;
            }
        }
        LongDouble sum = value.add(increment);
        if (sum.isNaN() || sum.isInfinite()) {
            throw new ErrorReply(RespErrors.INCR_NAN_OR_INF);
        }
        byte[] encoded = sum.toHumanString().getBytes(StandardCharsets.US_ASCII);
        writeHash(r).put(r.arg(2), encoded);
        out.bulk(encoded);
    }

    /** hrandfieldCommand and hrandfieldWithCountCommand (RESP2: WITHVALUES as a flat array). */
    private void hrandfield(Request r, RespWriter out, Session s) {
        if (r.argc() == 2) {
            HashValue hash = readHash(r);
            if (hash == null) {
                out.nullBulk();
                return;
            }
            List<byte[]> pairs = hash.flatten();
            out.bulk(pairs.get(2 * ThreadLocalRandom.current().nextInt(hash.size())));
            return;
        }
        long count = Arguments.rangeLong(r, 2, -Long.MAX_VALUE, Long.MAX_VALUE, null);
        boolean withValues = false;
        if (r.argc() > 4 || (r.argc() == 4 && !r.is(3, "withvalues"))) {
            throw Arguments.SYNTAX;
        } else if (r.argc() == 4) {
            withValues = true;
            if (count < -Long.MAX_VALUE / 2 || count > Long.MAX_VALUE / 2) {
                throw OUT_OF_RANGE;
            }
        }
        HashValue hash = readHash(r);
        if (hash == null || count == 0) {
            out.array(0);
            return;
        }
        List<byte[]> pairs = hash.flatten();
        int size = hash.size();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<Integer> picked = new ArrayList<>();
        if (count < 0) {
            // Repetitions allowed: -count independent picks.
            long n = -count;
            out.array((int) Math.min(Integer.MAX_VALUE, withValues ? 2 * n : n));
            for (long i = 0; i < n; i++) {
                int f = random.nextInt(size);
                out.bulk(pairs.get(2 * f));
                if (withValues) {
                    out.bulk(pairs.get(2 * f + 1));
                }
            }
            return;
        }
        if (count >= size) {
            for (int f = 0; f < size; f++) {
                picked.add(f); // the whole hash, in its order
            }
        } else {
            List<Integer> all = new ArrayList<>(size);
            for (int f = 0; f < size; f++) {
                all.add(f);
            }
            for (int i = 0; i < count; i++) { // a partial Fisher-Yates shuffle: count distinct fields
                int j = i + random.nextInt(size - i);
                Integer t = all.get(i);
                all.set(i, all.get(j));
                all.set(j, t);
                picked.add(all.get(i));
            }
        }
        out.array(withValues ? 2 * picked.size() : picked.size());
        for (int f : picked) {
            out.bulk(pairs.get(2 * f));
            if (withValues) {
                out.bulk(pairs.get(2 * f + 1));
            }
        }
    }

    /** hscanCommand over scanGenericCommand: the cursor first, then the key, then the options. */
    private void hscan(Request r, RespWriter out, Session s) {
        ScanCursor.parse(r.arg(2));
        HashValue hash = readHash(r);
        if (hash == null) {
            out.array(2).bulk("0").array(0);
            return;
        }
        byte[] pattern = ScanOptions.pattern(r, 3);
        List<byte[]> matched = new ArrayList<>();
        for (Iterator<byte[]> it = hash.flatten().iterator(); it.hasNext(); ) {
            byte[] field = it.next();
            byte[] value = it.next();
            if (pattern == null || GlobMatcher.matches(pattern, field)) {
                matched.add(field);
                matched.add(value);
            }
        }
        out.array(2).bulk("0").array(matched.size());
        for (byte[] b : matched) {
            out.bulk(b);
        }
    }
}
