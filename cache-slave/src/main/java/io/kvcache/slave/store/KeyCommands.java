package io.kvcache.slave.store;

import io.kvcache.protocol.GlobMatcher;
import static io.kvcache.command.Commands.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.kvcache.command.Arguments;
import io.kvcache.command.ScanCursor;
import io.kvcache.protocol.Ascii;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;

/** The keyspace commands, following Redis 7.0's db.c and expire.c. */
public final class KeyCommands {

    /** Redis's default "databases": the range COPY's DB is checked against before cluster mode refuses it. */
    private static final int DATABASES = 16;

    private static final int EXPIRE_NX = 1;
    private static final int EXPIRE_XX = 1 << 1;
    private static final int EXPIRE_GT = 1 << 2;
    private static final int EXPIRE_LT = 1 << 3;

    private final Keyspace db;

    public KeyCommands(Keyspace db) {
        this.db = db;
    }

    public void register(Handlers h) {
        h.on(DEL, this::del)
                .on(UNLINK, this::del)
                .on(EXISTS, this::exists)
                .on(TOUCH, this::exists)
                .on(TYPE, this::type)
                .on(EXPIRE, (r, out, s) -> expire(r, out, false, false))
                .on(PEXPIRE, (r, out, s) -> expire(r, out, true, false))
                .on(EXPIREAT, (r, out, s) -> expire(r, out, false, true))
                .on(PEXPIREAT, (r, out, s) -> expire(r, out, true, true))
                .on(TTL, (r, out, s) -> ttl(r, out, false, false))
                .on(PTTL, (r, out, s) -> ttl(r, out, true, false))
                .on(EXPIRETIME, (r, out, s) -> ttl(r, out, false, true))
                .on(PEXPIRETIME, (r, out, s) -> ttl(r, out, true, true))
                .on(PERSIST, this::persist)
                .on(KEYS, this::keys)
                .on(SCAN, this::scan)
                .on(RANDOMKEY, this::randomkey)
                .on(RENAME, (r, out, s) -> rename(r, out, false))
                .on(RENAMENX, (r, out, s) -> rename(r, out, true))
                .on(COPY, this::copy);
    }

    private void del(Request r, RespWriter out, Session s) {
        int deleted = 0;
        for (int i = 1; i < r.argc(); i++) {
            if (db.delete(r.arg(i))) {
                deleted++;
            }
        }
        out.integer(deleted);
    }

    /** EXISTS counts a key as often as it is named (EXISTS a a = 2). */
    private void exists(Request r, RespWriter out, Session s) {
        int found = 0;
        for (int i = 1; i < r.argc(); i++) {
            if (db.peek(r.arg(i)) != null) {
                found++;
            }
        }
        out.integer(found);
    }

    private void type(Request r, RespWriter out, Session s) {
        Entry e = db.peek(r.arg(1));
        out.simple(e == null ? "none" : e.typeName());
    }

    /** expireGenericCommand: options first, then the time (with overflow checks), then the key. */
    private void expire(Request r, RespWriter out, boolean milliseconds, boolean absolute) {
        int flags = expireOptions(r);
        long when = Arguments.longArg(r, 2);
        String command = r.text(0).toLowerCase(java.util.Locale.ROOT);
        if (!milliseconds) {
            if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) {
                throw new ErrorReply(RespErrors.invalidExpireTime(command));
            }
            when *= 1000;
        }
        long base = absolute ? 0 : db.now();
        if (when > Long.MAX_VALUE - base) {
            throw new ErrorReply(RespErrors.invalidExpireTime(command));
        }
        when += base;
        Entry e = db.lookup(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        if (flags != 0) {
            long current = e.expireAt;
            boolean persistent = current == Entry.NO_EXPIRY;
            if ((flags & EXPIRE_NX) != 0 && !persistent
                    || (flags & EXPIRE_XX) != 0 && persistent
                    // A key without deadline has an infinite TTL: GT never beats it, LT always does.
                    || (flags & EXPIRE_GT) != 0 && (persistent || when <= current)
                    || (flags & EXPIRE_LT) != 0 && !persistent && when >= current) {
                out.integer(0);
                return;
            }
        }
        if (when <= db.now() && db.deletesExpired()) {
            db.remove(e);
        } else {
            db.setExpire(e, when);
        }
        out.integer(1);
    }

    /** parseExtendedExpireArgumentsOrReply. */
    private static int expireOptions(Request r) {
        int flags = 0;
        for (int j = 3; j < r.argc(); j++) {
            if (r.is(j, "nx")) {
                flags |= EXPIRE_NX;
            } else if (r.is(j, "xx")) {
                flags |= EXPIRE_XX;
            } else if (r.is(j, "gt")) {
                flags |= EXPIRE_GT;
            } else if (r.is(j, "lt")) {
                flags |= EXPIRE_LT;
            } else {
                throw new ErrorReply("ERR Unsupported option " + cString(r.arg(j)));
            }
        }
        if ((flags & EXPIRE_NX) != 0 && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) != 0) {
            throw new ErrorReply(RespErrors.EXPIRE_OPTIONS_NX_XX_GT_LT);
        }
        if ((flags & EXPIRE_GT) != 0 && (flags & EXPIRE_LT) != 0) {
            throw new ErrorReply(RespErrors.EXPIRE_OPTIONS_GT_LT);
        }
        return flags;
    }

    /** ttlGenericCommand: -2 without key, -1 without deadline; seconds round to nearest. */
    private void ttl(Request r, RespWriter out, boolean milliseconds, boolean absolute) {
        Entry e = db.peek(r.arg(1));
        if (e == null) {
            out.integer(-2);
            return;
        }
        if (!e.hasExpiry()) {
            out.integer(-1);
            return;
        }
        long ttl = absolute ? e.expireAt : Math.max(0, e.expireAt - db.now());
        // ttl >= 0 here; Redis's (ttl+500)/1000 comes out as unsigned arithmetic at 2^63-1 ms.
        out.integer(milliseconds ? ttl : Long.divideUnsigned(ttl + 500, 1000));
    }

    private void persist(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        out.integer(e != null && db.persist(e) ? 1 : 0);
    }

    /** KEYS skips expired keys without deleting them; a lone "*" matches every key, even "". */
    private void keys(Request r, RespWriter out, Session s) {
        byte[] pattern = r.arg(1);
        boolean allKeys = pattern.length == 1 && pattern[0] == '*';
        List<byte[]> matched = new ArrayList<>();
        for (Entry e : db.entries()) {
            if ((allKeys || GlobMatcher.matches(pattern, e.key)) && !db.isExpired(e)) {
                matched.add(e.key);
            }
        }
        out.array(matched.size());
        for (byte[] key : matched) {
            out.bulk(key);
        }
    }

    /** scanGenericCommand for the keyspace: options COUNT, MATCH, TYPE; expired keys are reclaimed. */
    private void scan(Request r, RespWriter out, Session s) {
        long cursor = ScanCursor.parse(r.arg(1));
        long count = 10;
        byte[] pattern = null;
        byte[] type = null;
        for (int i = 2; i < r.argc(); ) {
            int remaining = r.argc() - i;
            if (r.is(i, "count") && remaining >= 2) {
                count = Arguments.longArg(r, i + 1);
                if (count < 1) {
                    throw Arguments.SYNTAX;
                }
                i += 2;
            } else if (r.is(i, "match") && remaining >= 2) {
                byte[] p = r.arg(i + 1);
                pattern = p.length == 1 && p[0] == '*' ? null : p;
                i += 2;
            } else if (r.is(i, "type") && remaining >= 2) {
                type = r.arg(i + 1);
                i += 2;
            } else {
                throw Arguments.SYNTAX;
            }
        }
        List<Entry> visited = new ArrayList<>();
        long next = db.scan(cursor, count, visited);
        List<byte[]> keys = new ArrayList<>(visited.size());
        for (Entry e : visited) {
            if (pattern != null && !GlobMatcher.matches(pattern, e.key)) {
                continue;
            }
            if (type != null && !Ascii.equalsIgnoreCase(type, e.typeName().getBytes(StandardCharsets.US_ASCII))) {
                continue;
            }
            if (db.isExpired(e)) {
                db.lookup(e.key); // reclaims it, as expireIfNeeded does
                continue;
            }
            keys.add(e.key);
        }
        out.array(2);
        out.bulk(Long.toUnsignedString(next));
        out.array(keys.size());
        for (byte[] key : keys) {
            out.bulk(key);
        }
    }

    private void randomkey(Request r, RespWriter out, Session s) {
        Entry e = db.randomEntry();
        out.bulkOrNull(e == null ? null : e.key);
    }

    /** renameGenericCommand: the value keeps its deadline; renaming a key to itself is a no-op. */
    private void rename(Request r, RespWriter out, boolean nx) {
        byte[] source = r.arg(1);
        byte[] target = r.arg(2);
        Entry e = db.lookup(source);
        if (e == null) {
            throw new ErrorReply(RespErrors.NO_SUCH_KEY);
        }
        if (Arrays.equals(source, target)) {
            if (nx) {
                out.integer(0);
            } else {
                out.ok();
            }
            return;
        }
        if (db.lookup(target) != null) {
            if (nx) {
                out.integer(0);
                return;
            }
            db.delete(target);
        }
        Entry moved = db.add(target, e.value);
        if (e.hasExpiry()) {
            db.setExpire(moved, e.expireAt);
        }
        db.remove(e);
        if (nx) {
            out.integer(1);
        } else {
            out.ok();
        }
    }

    /**
     * copyCommand: COPY source destination [DB destination-db] [REPLACE]. One database, as in Redis
     * Cluster: a DB other than 0 is refused with Redis Cluster's error.
     */
    private void copy(Request r, RespWriter out, Session s) {
        boolean replace = false;
        long db2 = 0;
        for (int j = 3; j < r.argc(); j++) {
            boolean more = j + 1 < r.argc();
            if (r.is(j, "replace")) {
                replace = true;
            } else if (r.is(j, "db") && more) {
                db2 = Arguments.rangeLong(r, j + 1, Integer.MIN_VALUE, Integer.MAX_VALUE, RespErrors.NOT_INTEGER);
                if (db2 < 0 || db2 >= DATABASES) {
                    throw new ErrorReply(RespErrors.DB_INDEX_OUT_OF_RANGE);
                }
                j++;
            } else {
                throw Arguments.SYNTAX;
            }
        }
        if (db2 != 0) {
            throw new ErrorReply("ERR Copying to another database is not allowed in cluster mode");
        }
        if (Arrays.equals(r.arg(1), r.arg(2))) {
            throw new ErrorReply("ERR source and destination objects are the same");
        }
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        if (db.lookup(r.arg(2)) != null) {
            if (!replace) {
                out.integer(0);
                return;
            }
            db.delete(r.arg(2));
        }
        Value copy = switch (e.value) {
            case StringValue.Encoded string -> new StringValue.Duplicated(string.bytes()); // bytes never change in place
            case StringValue.Int counter -> new StringValue.Duplicated(counter.bytes());
            case StringValue string -> string;
            case QuickList list -> list.copy();
            case HashValue hash -> hash.copy();
            case SetValue set -> set.copy();
            case ZSetValue zset -> zset.copy();
        };
        Entry copied = db.add(r.arg(2), copy);
        if (e.hasExpiry()) {
            db.setExpire(copied, e.expireAt);
        }
        out.integer(1);
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
    }
}
