package io.kvcache.slave.store;

import static io.kvcache.command.Commands.DUMP;
import static io.kvcache.command.Commands.RESTORE;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * DUMP and RESTORE (Redis 7.0's cluster.c) over {@link RdbValue}: a payload Redis dumped restores
 * here, and one dumped here restores in Redis, so tools that copy keys with them (redis-shake,
 * RIOT, a MIGRATE-less copy) can move data in and out. A relative TTL reaches replicas as the
 * absolute deadline it became (ABSTTL), as Redis propagates it.
 */
final class DumpCommands {

    private static final ErrorReply BUSYKEY = new ErrorReply("BUSYKEY Target key name already exists.");
    private static final ErrorReply BAD_TTL = new ErrorReply("ERR Invalid TTL value, must be >= 0");
    private static final ErrorReply BAD_IDLETIME = new ErrorReply("ERR Invalid IDLETIME value, must be >= 0");
    private static final ErrorReply BAD_FREQ = new ErrorReply("ERR Invalid FREQ value, must be >= 0 and <= 255");
    private static final ErrorReply BAD_PAYLOAD = new ErrorReply("ERR DUMP payload version or checksum are wrong");
    private static final ErrorReply BAD_FORMAT = new ErrorReply("ERR Bad data format");
    private static final byte[] ABSTTL = "ABSTTL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);

    private final Keyspace db;

    DumpCommands(Keyspace db) {
        this.db = db;
    }

    void register(Handlers h) {
        h.on(DUMP, this::dump)
                .on(RESTORE, this::restore);
    }

    private void dump(Request r, RespWriter out, Session s) {
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.nullBulk();
            return;
        }
        out.bulk(RdbValue.dump(e.value));
    }

    private void restore(Request r, RespWriter out, Session s) {
        boolean replace = false;
        boolean absTtl = false;
        long idle = -1;
        long freq = -1;
        for (int j = 4; j < r.argc(); j++) {
            boolean more = j < r.argc() - 1;
            if (r.is(j, "replace")) {
                replace = true;
            } else if (r.is(j, "absttl")) {
                absTtl = true;
            } else if (r.is(j, "idletime") && more && freq == -1) {
                idle = Arguments.longArg(r, ++j);
                if (idle < 0) {
                    throw BAD_IDLETIME;
                }
            } else if (r.is(j, "freq") && more && idle == -1) {
                freq = Arguments.longArg(r, ++j);
                if (freq < 0 || freq > 255) {
                    throw BAD_FREQ;
                }
            } else {
                throw Arguments.SYNTAX;
            }
        }
        byte[] key = r.arg(1);
        Entry existing = db.lookup(key);
        if (!replace && existing != null) {
            throw BUSYKEY;
        }
        long ttl = Arguments.longArg(r, 2);
        if (ttl < 0) {
            throw BAD_TTL;
        }
        byte[] payload = r.arg(3);
        if (!RdbValue.verify(payload)) {
            throw BAD_PAYLOAD;
        }
        Value value;
        try {
            value = RdbValue.restore(payload);
        } catch (RdbValue.BadFormat e) {
            throw BAD_FORMAT;
        }
        boolean deleted = replace && existing != null;
        if (deleted) {
            db.remove(existing);
        }
        long deadline = ttl == 0 ? 0 : absTtl ? ttl : ttl + db.now();
        // checkAlreadyExpired: a replica applying its stream keeps it (the primary's DEL follows)
        if (ttl != 0 && deadline <= db.now() && db.expiryMode() != ExpiryMode.KEEP) {
            if (deleted) {
                db.replicateAs(new Request(new byte[][] {DEL, key}));
            }
            out.ok();
            return;
        }
        Entry e = db.add(key, value);
        if (ttl != 0) {
            db.setExpire(e, deadline);
            if (!absTtl) {
                byte[][] argv = Arrays.copyOf(r.argv(), r.argc() + 1);
                argv[2] = RedisNumbers.toBytes(deadline);
                argv[r.argc()] = ABSTTL;
                db.replicateAs(new Request(argv));
            }
        }
        db.restoreAccess(e, freq, idle);
        out.ok();
    }
}
