package io.kvcache.slave.store;

import static io.kvcache.command.Commands.*;

import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * PFADD, PFCOUNT and PFMERGE over {@link HyperLogLog} strings, as Redis 7.0's hyperloglog.c. A
 * PFCOUNT of one key that finds its cached cardinality stale writes the fresh one into the value
 * and reaches replicas as itself (Redis's may-replicate), so that both hold the same bytes.
 */
final class HyperLogLogCommands {

    private static final ErrorReply NOT_HLL = new ErrorReply("WRONGTYPE Key is not a valid HyperLogLog string value.");
    private static final ErrorReply CORRUPT = new ErrorReply("INVALIDOBJ Corrupted HLL object detected");

    private final Keyspace db;

    HyperLogLogCommands(Keyspace db) {
        this.db = db;
    }

    void register(Handlers h) {
        h.on(PFADD, this::pfadd)
                .on(PFCOUNT, this::pfcount)
                .on(PFMERGE, this::pfmerge);
    }

    /** isHLLObjectOrReply: a string that holds a HyperLogLog, else one of two WRONGTYPE errors. */
    private static byte[] hll(Entry e) {
        byte[] value = Types.string(e);
        if (!HyperLogLog.isValid(value)) { // an integer-encoded string never starts with "HYLL"
            throw NOT_HLL;
        }
        return value;
    }

    private void pfadd(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        HyperLogLog hll = e == null ? HyperLogLog.empty() : HyperLogLog.of(hll(e));
        int updated = e == null ? 1 : 0;
        for (int i = 2; i < r.argc(); i++) {
            int changed = hll.add(r.arg(i));
            if (changed < 0) {
                throw CORRUPT;
            }
            updated += changed;
        }
        if (updated > 0) {
            hll.invalidateCache();
        }
        store(r.arg(1), e, hll, updated > 0);
        out.integer(updated > 0 ? 1 : 0);
    }

    private void pfcount(Request r, RespWriter out, Session s) {
        if (r.argc() > 2) {
            byte[] max = new byte[HyperLogLog.REGISTERS];
            for (int i = 1; i < r.argc(); i++) {
                Entry e = db.lookupRead(r.arg(i));
                if (e != null && !HyperLogLog.of(hll(e)).mergeInto(max)) {
                    throw CORRUPT;
                }
            }
            out.integer(HyperLogLog.cardinality(HyperLogLog.rawHistogram(max)));
            return;
        }
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        HyperLogLog hll = HyperLogLog.of(hll(e));
        if (hll.isCacheValid()) {
            out.integer(hll.cachedCardinality());
            return;
        }
        int[] histogram = hll.histogram();
        if (histogram == null) {
            throw CORRUPT;
        }
        long card = HyperLogLog.cardinality(histogram);
        hll.cacheCardinality(card);
        db.replaceValue(e, StringValue.edited(hll.bytes()));
        db.replicateAs(r); // the replicas cache it too
        out.integer(card);
    }

    private void pfmerge(Request r, RespWriter out, Session s) {
        byte[] max = new byte[HyperLogLog.REGISTERS];
        boolean dense = false;
        for (int i = 1; i < r.argc(); i++) {
            Entry e = db.lookupRead(r.arg(i));
            if (e == null) {
                continue;
            }
            byte[] value = hll(e);
            dense |= HyperLogLog.isDense(value);
            if (!HyperLogLog.of(value).mergeInto(max)) {
                throw CORRUPT;
            }
        }
        Entry target = db.lookup(r.arg(1));
        HyperLogLog hll = target == null ? HyperLogLog.empty() : HyperLogLog.of(Types.string(target));
        if (dense && !hll.toDense()) {
            throw CORRUPT;
        }
        for (int j = 0; j < HyperLogLog.REGISTERS; j++) {
            if (max[j] != 0) {
                hll.set(j, max[j]);
            }
        }
        hll.invalidateCache();
        store(r.arg(1), target, hll, true);
        out.ok();
    }

    /** The edited HyperLogLog under key: a new raw string, or the old one unshared (dbUnshareStringValue). */
    private void store(byte[] key, Entry e, HyperLogLog hll, boolean changed) {
        if (e == null) {
            db.add(key, StringValue.edited(hll.bytes()));
        } else if (changed || !(e.value instanceof StringValue.Edited)) {
            db.replaceValue(e, StringValue.edited(hll.bytes()));
        }
    }
}
