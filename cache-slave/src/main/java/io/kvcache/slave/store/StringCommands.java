package io.kvcache.slave.store;

import static io.kvcache.command.Commands.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.kvcache.command.Arguments;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.LongDouble;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;

/** The string commands, following Redis 7.0's t_string.c handler by handler. */
public final class StringCommands {

    private static final byte[] EMPTY = new byte[0];

    // parseExtendedStringArgumentsOrReply flags
    private static final int NX = 1;
    private static final int XX = 1 << 1;
    private static final int GET_FLAG = 1 << 2;
    private static final int KEEPTTL = 1 << 3;
    private static final int PERSIST = 1 << 4;
    private static final int EX_FLAG = 1 << 5;
    private static final int PX_FLAG = 1 << 6;
    private static final int EXAT_FLAG = 1 << 7;
    private static final int PXAT_FLAG = 1 << 8;
    private static final int ANY_EXPIRE = EX_FLAG | PX_FLAG | EXAT_FLAG | PXAT_FLAG;

    private final Keyspace db;
    private final long maxBulkLength;

    public StringCommands(Keyspace db, long maxBulkLength) {
        this.db = db;
        this.maxBulkLength = maxBulkLength;
    }

    public void register(Handlers h) {
        h.on(GET, this::get)
                .on(SET, this::set)
                .on(SETNX, this::setnx)
                .on(SETEX, (r, out, s) -> setGeneric(r, out, EX_FLAG, 3, r.arg(2), false))
                .on(PSETEX, (r, out, s) -> setGeneric(r, out, PX_FLAG, 3, r.arg(2), false))
                .on(GETSET, this::getset)
                .on(GETDEL, this::getdel)
                .on(GETEX, this::getex)
                .on(MGET, this::mget)
                .on(MSET, this::mset)
                .on(MSETNX, this::msetnx)
                .on(INCR, (r, out, s) -> incrDecr(r, out, 1))
                .on(DECR, (r, out, s) -> incrDecr(r, out, -1))
                .on(INCRBY, (r, out, s) -> incrDecr(r, out, Arguments.longArg(r, 2)))
                .on(DECRBY, this::decrby)
                .on(INCRBYFLOAT, this::incrbyfloat)
                .on(APPEND, this::append)
                .on(STRLEN, this::strlen)
                .on(GETRANGE, this::getrange)
                .on(SUBSTR, this::getrange)
                .on(SETRANGE, this::setrange);
    }

    private void get(Request r, RespWriter out, Session s) {
        Entry e = db.lookupRead(r.arg(1));
        if (e != null && e.value instanceof StringValue.Int counter) {
            out.bulk(counter.value());
        } else {
            out.bulkOrNull(e == null ? null : Types.string(e));
        }
    }

    private void set(Request r, RespWriter out, Session s) {
        int flags = 0;
        byte[] expire = null;
        for (int j = 3; j < r.argc(); j++) {
            boolean hasNext = j < r.argc() - 1;
            if (r.is(j, "nx") && (flags & XX) == 0) {
                flags |= NX;
            } else if (r.is(j, "xx") && (flags & NX) == 0) {
                flags |= XX;
            } else if (r.is(j, "get")) {
                flags |= GET_FLAG;
            } else if (r.is(j, "keepttl") && (flags & (PERSIST | ANY_EXPIRE)) == 0) {
                flags |= KEEPTTL;
            } else if (isExpireOption(r, j, hasNext, flags)) {
                flags |= expireFlag(r, j);
                expire = r.arg(++j);
            } else {
                throw Arguments.SYNTAX;
            }
        }
        setGeneric(r, out, flags, 2, expire, false);
    }

    /** EX/PX/EXAT/PXAT are accepted when no other deadline option (nor KEEPTTL/PERSIST) was given. */
    private static boolean isExpireOption(Request r, int j, boolean hasNext, int flags) {
        if (!hasNext) {
            return false;
        }
        int flag = expireFlag(r, j);
        if (flag == 0) {
            return false;
        }
        int conflicting = (KEEPTTL | PERSIST | ANY_EXPIRE) & ~flag;
        return (flags & conflicting) == 0;
    }

    private static int expireFlag(Request r, int j) {
        if (r.is(j, "ex")) {
            return EX_FLAG;
        } else if (r.is(j, "px")) {
            return PX_FLAG;
        } else if (r.is(j, "exat")) {
            return EXAT_FLAG;
        } else if (r.is(j, "pxat")) {
            return PXAT_FLAG;
        }
        return 0;
    }

    /**
     * setGenericCommand for SET, SETNX, SETEX and PSETEX: the deadline is
     * checked first, then GET, then NX/XX. SETNX answers 1/0 where the others answer OK/nil.
     */
    private void setGeneric(Request r, RespWriter out, int flags, int valueIndex, byte[] expire,
                            boolean integerReply) {
        byte[] key = r.arg(1);
        byte[] value = r.arg(valueIndex);
        long when = expire == null ? 0 : deadlineMillis(r, expire, flags, (flags & (PX_FLAG | PXAT_FLAG)) != 0);
        if ((flags & GET_FLAG) != 0) {
            Entry old = db.lookupRead(key);
            out.bulkOrNull(old == null ? null : Types.string(old));
        }
        Entry existing = db.lookup(key);
        boolean found = existing != null;
        if (((flags & NX) != 0 && found) || ((flags & XX) != 0 && !found)) {
            if ((flags & GET_FLAG) == 0) {
                if (integerReply) {
                    out.integer(0);
                } else {
                    out.nullBulk();
                }
            }
            return;
        }
        Entry e = db.set(existing, key, StringValue.of(value), (flags & KEEPTTL) != 0);
        if (expire != null) {
            db.setExpire(e, when);
        }
        if ((flags & GET_FLAG) == 0) {
            if (integerReply) {
                out.integer(1);
            } else {
                out.ok();
            }
        }
    }

    private void setnx(Request r, RespWriter out, Session s) {
        setGeneric(r, out, NX, 2, null, true);
    }

    /** getExpireMillisecondsOrReply: positive, no overflow; EX/PX are relative to the command's time. */
    private long deadlineMillis(Request r, byte[] expire, int flags, boolean milliseconds) {
        long when;
        try {
            when = RedisNumbers.parseLong(expire);
        } catch (RedisNumbers.NotANumber e) {
            throw Arguments.NOT_INTEGER;
        }
        String command = r.text(0).toLowerCase(java.util.Locale.ROOT);
        if (when <= 0 || (!milliseconds && when > Long.MAX_VALUE / 1000)) {
            throw new ErrorReply(RespErrors.invalidExpireTime(command));
        }
        if (!milliseconds) {
            when *= 1000;
        }
        if ((flags & (EX_FLAG | PX_FLAG)) != 0) {
            when += db.now();
        }
        if (when <= 0) {
            throw new ErrorReply(RespErrors.invalidExpireTime(command));
        }
        return when;
    }

    private void getset(Request r, RespWriter out, Session s) {
        Entry old = db.lookupRead(r.arg(1));
        out.bulkOrNull(old == null ? null : Types.string(old));
        db.set(r.arg(1), StringValue.of(r.arg(2)), false);
    }

    private void getdel(Request r, RespWriter out, Session s) {
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.nullBulk();
            return;
        }
        out.bulk(Types.string(e));
        db.remove(e);
    }

    private void getex(Request r, RespWriter out, Session s) {
        int flags = 0;
        byte[] expire = null;
        for (int j = 2; j < r.argc(); j++) {
            boolean hasNext = j < r.argc() - 1;
            if (r.is(j, "persist") && (flags & (ANY_EXPIRE | KEEPTTL)) == 0) {
                flags |= PERSIST;
            } else if (isExpireOption(r, j, hasNext, flags)) {
                flags |= expireFlag(r, j);
                expire = r.arg(++j);
            } else {
                throw Arguments.SYNTAX;
            }
        }
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.nullBulk();
            return;
        }
        byte[] value = Types.string(e);
        long when = expire == null ? 0 : deadlineMillis(r, expire, flags, (flags & (PX_FLAG | PXAT_FLAG)) != 0);
        out.bulk(value);
        if ((flags & (EXAT_FLAG | PXAT_FLAG)) != 0 && when <= db.now() && db.deletesExpired()) {
            db.remove(e);
        } else if (expire != null) {
            db.setExpire(e, when);
        } else if ((flags & PERSIST) != 0) {
            db.persist(e);
        }
    }

    private void mget(Request r, RespWriter out, Session s) {
        out.array(r.argc() - 1);
        for (int i = 1; i < r.argc(); i++) {
            Entry e = db.lookupRead(r.arg(i));
            out.bulkOrNull(e != null && e.value instanceof StringValue string ? string.bytes() : null);
        }
    }

    private void mset(Request r, RespWriter out, Session s) {
        if (r.argc() % 2 == 0) {
            throw new ErrorReply(RespErrors.wrongArity("mset"));
        }
        for (int i = 1; i < r.argc(); i += 2) {
            db.set(r.arg(i), StringValue.of(r.arg(i + 1)), false);
        }
        out.ok();
    }

    private void msetnx(Request r, RespWriter out, Session s) {
        if (r.argc() % 2 == 0) {
            throw new ErrorReply(RespErrors.wrongArity("msetnx"));
        }
        for (int i = 1; i < r.argc(); i += 2) {
            if (db.lookup(r.arg(i)) != null) {
                out.integer(0);
                return;
            }
        }
        for (int i = 1; i < r.argc(); i += 2) {
            db.set(r.arg(i), StringValue.of(r.arg(i + 1)), false);
        }
        out.integer(1);
    }

    /** incrDecrCommand: the value keeps its deadline (dbOverwrite). */
    private void incrDecr(Request r, RespWriter out, long increment) {
        Entry e = db.lookup(r.arg(1));
        long value = 0;
        if (e != null && e.value instanceof StringValue.Int counter) {
            value = counter.value();
        } else if (e != null) {
            try {
                value = RedisNumbers.parseLong(Types.string(e));
            } catch (RedisNumbers.NotANumber notANumber) {
                throw Arguments.NOT_INTEGER;
            }
        }
        if ((increment < 0 && value < 0 && increment < Long.MIN_VALUE - value)
                || (increment > 0 && value > 0 && increment > Long.MAX_VALUE - value)) {
            throw new ErrorReply(RespErrors.OVERFLOW);
        }
        value += increment;
        StringValue counter = new StringValue.Int(value);
        if (e == null) {
            db.add(r.arg(1), counter);
        } else {
            db.replaceValue(e, counter);
        }
        out.integer(value);
    }

    private void decrby(Request r, RespWriter out, Session s) {
        long decrement = Arguments.longArg(r, 2);
        if (decrement == Long.MIN_VALUE) {
            throw new ErrorReply("ERR decrement would overflow");
        }
        incrDecr(r, out, -decrement);
    }

    /** incrbyfloatCommand: long double arithmetic and "%.17Lf" formatting, emulated exactly. */
    private void incrbyfloat(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        LongDouble value;
        LongDouble increment;
        try {
            value = e == null ? LongDouble.of(0) : LongDouble.parse(Types.string(e));
            increment = LongDouble.parse(r.arg(2));
        } catch (RedisNumbers.NotANumber notANumber) {
            throw new ErrorReply(RespErrors.NOT_FLOAT);
        }
        LongDouble sum = value.add(increment);
        if (sum.isNaN() || sum.isInfinite()) {
            throw new ErrorReply(RespErrors.INCR_NAN_OR_INF);
        }
        byte[] encoded = sum.toHumanString().getBytes(StandardCharsets.US_ASCII);
        if (e == null) {
            db.add(r.arg(1), StringValue.created(encoded));
        } else {
            db.replaceValue(e, StringValue.created(encoded));
        }
        out.bulk(encoded);
    }

    private void append(Request r, RespWriter out, Session s) {
        Entry e = db.lookup(r.arg(1));
        byte[] suffix = r.arg(2);
        if (e == null) {
            db.add(r.arg(1), StringValue.of(suffix));
            out.integer(suffix.length);
            return;
        }
        byte[] current = Types.string(e);
        checkStringLength(current.length, suffix.length);
        byte[] joined = Arrays.copyOf(current, current.length + suffix.length);
        System.arraycopy(suffix, 0, joined, current.length, suffix.length);
        db.replaceValue(e, StringValue.edited(joined));
        out.integer(joined.length);
    }

    private void strlen(Request r, RespWriter out, Session s) {
        Entry e = db.lookupRead(r.arg(1));
        out.integer(e == null ? 0 : Types.string(e).length);
    }

    private void getrange(Request r, RespWriter out, Session s) {
        long start = Arguments.longArg(r, 2);
        long end = Arguments.longArg(r, 3);
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.bulk(EMPTY);
            return;
        }
        byte[] str = Types.string(e);
        long len = str.length;
        if (start < 0 && end < 0 && start > end) {
            out.bulk(EMPTY);
            return;
        }
        if (start < 0) {
            start = len + start;
        }
        if (end < 0) {
            end = len + end;
        }
        if (start < 0) {
            start = 0;
        }
        if (end < 0) {
            end = 0;
        }
        if (end >= len) {
            end = len - 1;
        }
        if (start > end || len == 0) {
            out.bulk(EMPTY);
        } else {
            out.bulk(str, (int) start, (int) (end - start + 1));
        }
    }

    private void setrange(Request r, RespWriter out, Session s) {
        long offset = Arguments.longArg(r, 2);
        byte[] value = r.arg(3);
        if (offset < 0) {
            throw new ErrorReply(RespErrors.OFFSET_OUT_OF_RANGE);
        }
        Entry e = db.lookup(r.arg(1));
        byte[] current;
        if (e == null) {
            if (value.length == 0) {
                out.integer(0);
                return;
            }
            checkStringLength(offset, value.length);
            current = EMPTY;
        } else {
            current = Types.string(e);
            if (value.length == 0) {
                out.integer(current.length);
                return;
            }
            checkStringLength(offset, value.length);
        }
        int newLength = (int) Math.max(current.length, offset + value.length);
        byte[] updated = Arrays.copyOf(current, newLength);
        System.arraycopy(value, 0, updated, (int) offset, value.length);
        if (e == null) {
            db.add(r.arg(1), StringValue.edited(updated));
        } else {
            db.replaceValue(e, StringValue.edited(updated));
        }
        out.integer(updated.length);
    }

    /** checkStringLength: the result may not exceed proto-max-bulk-len (nor overflow). */
    private void checkStringLength(long size, long append) {
        long total = size + append;
        if (total > maxBulkLength || total < size || total < append) {
            throw new ErrorReply(RespErrors.STRING_TOO_LONG);
        }
    }
}
