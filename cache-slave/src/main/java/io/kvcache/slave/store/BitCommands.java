package io.kvcache.slave.store;

import static io.kvcache.command.Commands.*;

import java.util.Arrays;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * The bitmap commands of Redis 7.0's bitops.c on string values: SETBIT, GETBIT, BITCOUNT and BITPOS
 * (with BYTE and BIT ranges) and BITOP. A bitmap is a string, so SETBIT stores a new value, as
 * every other string command does ({@link StringValue}).
 */
public final class BitCommands {

    private static final ErrorReply BAD_OFFSET = new ErrorReply("ERR bit offset is not an integer or out of range");
    private static final ErrorReply BAD_BIT = new ErrorReply("ERR bit is not an integer or out of range");
    private static final ErrorReply BIT_NOT_0_OR_1 = new ErrorReply("ERR The bit argument must be 1 or 0.");
    private static final ErrorReply NOT_SINGLE_SOURCE = new ErrorReply(
            "ERR BITOP NOT must be called with a single source key.");

    private final Keyspace db;
    private final long maxBulkLength;

    /** @param maxBulkLength proto-max-bulk-len: no bitmap grows past it */
    public BitCommands(Keyspace db, long maxBulkLength) {
        this.db = db;
        this.maxBulkLength = maxBulkLength;
    }

    public void register(Handlers h) {
        h.on(SETBIT, this::setbit)
                .on(GETBIT, this::getbit)
                .on(BITCOUNT, this::bitcount)
                .on(BITPOS, this::bitpos)
                .on(BITOP, this::bitop);
    }

    /** getBitOffsetFromArgument (without the #offset form of BITFIELD). */
    private long offset(Request r, int i) {
        return bitOffset(r.arg(i), 0, maxBulkLength);
    }

    /**
     * getBitOffsetFromArgument: an offset in bits below proto-max-bulk-len bytes; with bits > 0
     * (BITFIELD), "#n" is the n-th field of that width.
     */
    static long bitOffset(byte[] arg, int bits, long maxBulkLength) {
        boolean hash = bits > 0 && arg.length > 0 && arg[0] == '#';
        long offset;
        try {
            offset = RedisNumbers.parseLong(arg, hash ? 1 : 0, arg.length);
        } catch (RedisNumbers.NotANumber e) {
            throw BAD_OFFSET;
        }
        if (hash) {
            offset *= bits;
        }
        if (offset < 0 || (offset >> 3) >= maxBulkLength) {
            throw BAD_OFFSET;
        }
        return offset;
    }

    private void setbit(Request r, RespWriter out, Session s) {
        long offset = offset(r, 2);
        long on;
        try {
            on = RedisNumbers.parseLong(r.arg(3));
        } catch (RedisNumbers.NotANumber notANumber) {
            throw BAD_BIT;
        }
        if ((on & ~1L) != 0) {
            throw BAD_BIT;
        }
        Entry e = db.lookup(r.arg(1));
        byte[] current = e == null ? new byte[0] : Types.string(e);
        int index = (int) (offset >> 3);
        byte[] updated = Arrays.copyOf(current, Math.max(current.length, index + 1));
        int mask = 1 << (7 - (int) (offset & 7));
        int old = (updated[index] & mask) != 0 ? 1 : 0;
        updated[index] = (byte) (on == 1 ? updated[index] | mask : updated[index] & ~mask);
        if (e == null) {
            db.add(r.arg(1), StringValue.edited(updated));
        } else {
            db.replaceValue(e, StringValue.edited(updated));
        }
        out.integer(old);
    }

    private void getbit(Request r, RespWriter out, Session s) {
        long offset = offset(r, 2);
        Entry e = db.lookupRead(r.arg(1));
        byte[] bits = e == null ? new byte[0] : Types.string(e);
        out.integer(bit(bits, offset));
    }

    /** bitcountCommand: the key first (a missing one counts 0 whatever the arguments), then the range. */
    private void bitcount(Request r, RespWriter out, Session s) {
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.integer(0);
            return;
        }
        byte[] bits = Types.string(e);
        long start;
        long end;
        boolean inBits = false;
        if (r.argc() == 4 || r.argc() == 5) {
            start = Arguments.longArg(r, 2);
            end = Arguments.longArg(r, 3);
            if (start < 0 && end < 0 && start > end) {
                out.integer(0); // before the unit is read, as Redis 7.0.15 does
                return;
            }
            if (r.argc() == 5) {
                inBits = unit(r, 4);
            }
            long total = inBits ? 8L * bits.length : bits.length;
            start = clampStart(start, total);
            end = clampEnd(end, total);
        } else if (r.argc() == 2) {
            start = 0;
            end = bits.length - 1L;
        } else {
            throw Arguments.SYNTAX;
        }
        if (start > end) {
            out.integer(0);
            return;
        }
        long firstBit = inBits ? start : 8 * start;
        long lastBit = inBits ? end : 8 * end + 7;
        long count = 0;
        for (long i = firstBit; i <= lastBit; i++) {
            if ((i & 7) == 0 && i + 7 <= lastBit) {
                count += Integer.bitCount(bits[(int) (i >> 3)] & 0xFF);
                i += 7;
            } else {
                count += bit(bits, i);
            }
        }
        out.integer(count);
    }

    /** bitposCommand: the bit, then the key, then the range. */
    private void bitpos(Request r, RespWriter out, Session s) {
        long bit = Arguments.longArg(r, 2);
        if (bit != 0 && bit != 1) {
            throw BIT_NOT_0_OR_1;
        }
        Entry e = db.lookupRead(r.arg(1));
        if (e == null) {
            out.integer(bit == 1 ? -1 : 0);
            return;
        }
        byte[] bits = Types.string(e);
        long start;
        long end;
        boolean inBits = false;
        boolean endGiven = false;
        if (r.argc() >= 4 && r.argc() <= 6) {
            start = Arguments.longArg(r, 3);
            if (r.argc() == 6) {
                inBits = unit(r, 5);
            }
            long total = bits.length;
            if (r.argc() >= 5) {
                end = Arguments.longArg(r, 4);
                endGiven = true;
            } else {
                end = inBits ? (total << 3) + 7 : total - 1;
            }
            if (inBits) {
                total <<= 3;
            }
            start = clampStart(start, total);
            end = clampEnd(end, total);
        } else if (r.argc() == 3) {
            start = 0;
            end = bits.length - 1L;
        } else {
            throw Arguments.SYNTAX;
        }
        if (start > end) {
            out.integer(-1);
            return;
        }
        long firstBit = inBits ? start : 8 * start;
        long lastBit = inBits ? end : 8 * end + 7;
        for (long i = firstBit; i <= lastBit; i++) {
            if (bit(bits, i) == bit) {
                out.integer(i);
                return;
            }
        }
        // Not found: no 1 anywhere; for 0 without an end, the bit after the range's last byte
        // (a string is zero-padded to the right), with an end given, none.
        out.integer(bit == 1 || endGiven ? -1 : ((lastBit >> 3) + 1) << 3);
    }

    /** bitopCommand: BITOP AND|OR|XOR|NOT destkey key [key ...]. */
    private void bitop(Request r, RespWriter out, Session s) {
        String op;
        if (r.is(1, "and") || r.is(1, "or") || r.is(1, "xor") || r.is(1, "not")) {
            op = r.text(1).toLowerCase(java.util.Locale.ROOT);
        } else {
            throw Arguments.SYNTAX;
        }
        int sources = r.argc() - 3;
        if (op.equals("not") && sources != 1) {
            throw NOT_SINGLE_SOURCE;
        }
        byte[][] values = new byte[sources][];
        int maxLength = 0;
        for (int j = 0; j < sources; j++) {
            Entry e = db.lookupRead(r.arg(3 + j));
            values[j] = e == null ? new byte[0] : Types.string(e);
            maxLength = Math.max(maxLength, values[j].length);
        }
        byte[] result = new byte[maxLength];
        for (int i = 0; i < maxLength; i++) {
            int acc = byteAt(values[0], i);
            if (op.equals("not")) {
                acc = ~acc;
            }
            for (int j = 1; j < sources; j++) {
                int b = byteAt(values[j], i);
                acc = switch (op) {
                    case "and" -> acc & b;
                    case "or" -> acc | b;
                    default -> acc ^ b;
                };
            }
            result[i] = (byte) acc;
        }
        db.delete(r.arg(2));
        if (maxLength > 0) {
            db.add(r.arg(2), StringValue.edited(result));
        }
        out.integer(maxLength);
    }

    private static int byteAt(byte[] value, int i) {
        return i < value.length ? value[i] & 0xFF : 0;
    }

    private static boolean unit(Request r, int i) {
        if (r.is(i, "bit")) {
            return true;
        }
        if (r.is(i, "byte")) {
            return false;
        }
        throw Arguments.SYNTAX;
    }

    private static long clampStart(long start, long total) {
        long s = start < 0 ? total + start : start;
        return Math.max(0, s);
    }

    private static long clampEnd(long end, long total) {
        long e = end < 0 ? total + end : end;
        e = Math.max(0, e);
        return e >= total ? total - 1 : e;
    }

    private static int bit(byte[] bits, long offset) {
        long index = offset >> 3;
        if (index >= bits.length) {
            return 0;
        }
        return (bits[(int) index] >> (7 - (int) (offset & 7))) & 1;
    }
}
