package io.kvcache.slave.store;

import static io.kvcache.command.Commands.BITFIELD;
import static io.kvcache.command.Commands.BITFIELD_RO;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * BITFIELD and BITFIELD_RO, as Redis 7.0's bitfieldGeneric: GET, SET and INCRBY of signed (i1..i64)
 * and unsigned (u1..u63) integers at any bit offset (#n: the n-th field of that width), with
 * OVERFLOW WRAP, SAT or FAIL (a failed operation answers nil and writes nothing). A write grows the
 * string to its furthest field first, as Redis does, even when its operation then fails.
 */
final class BitfieldCommand {

    private static final ErrorReply BAD_TYPE = new ErrorReply(
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
    private static final ErrorReply BAD_OVERFLOW = new ErrorReply("ERR Invalid OVERFLOW type specified");
    private static final ErrorReply READ_ONLY = new ErrorReply("ERR BITFIELD_RO only supports the GET subcommand");

    private enum Overflow { WRAP, SAT, FAIL }

    private enum Op { GET, SET, INCRBY }

    private record Field(Op op, boolean signed, int bits, long offset, long value, Overflow overflow) {
    }

    private final Keyspace db;
    private final long maxBulkLength;

    BitfieldCommand(Keyspace db, long maxBulkLength) {
        this.db = db;
        this.maxBulkLength = maxBulkLength;
    }

    void register(Handlers h) {
        h.on(BITFIELD, (r, out, s) -> bitfield(r, out, false))
                .on(BITFIELD_RO, (r, out, s) -> bitfield(r, out, true));
    }

    private void bitfield(Request r, RespWriter out, boolean readOnly) {
        List<Field> fields = new ArrayList<>();
        Overflow overflow = Overflow.WRAP;
        boolean writes = false;
        long highestWrite = 0;
        for (int j = 2; j < r.argc(); j++) {
            int left = r.argc() - j - 1;
            Op op;
            if (r.is(j, "get") && left >= 2) {
                op = Op.GET;
            } else if (r.is(j, "set") && left >= 3) {
                op = Op.SET;
            } else if (r.is(j, "incrby") && left >= 3) {
                op = Op.INCRBY;
            } else if (r.is(j, "overflow") && left >= 1) {
                j++;
                if (r.is(j, "wrap")) {
                    overflow = Overflow.WRAP;
                } else if (r.is(j, "sat")) {
                    overflow = Overflow.SAT;
                } else if (r.is(j, "fail")) {
                    overflow = Overflow.FAIL;
                } else {
                    throw BAD_OVERFLOW;
                }
                continue;
            } else {
                throw Arguments.SYNTAX;
            }
            byte[] type = r.arg(j + 1);
            boolean signed = type.length > 0 && type[0] == 'i';
            if (type.length == 0 || !signed && type[0] != 'u') {
                throw BAD_TYPE;
            }
            long bits;
            try {
                bits = RedisNumbers.parseLong(type, 1, cLength(type));
            } catch (RedisNumbers.NotANumber e) {
                throw BAD_TYPE;
            }
            if (bits < 1 || signed && bits > 64 || !signed && bits > 63) {
                throw BAD_TYPE;
            }
            long offset = BitCommands.bitOffset(r.arg(j + 2), (int) bits, maxBulkLength);
            long value = 0;
            if (op != Op.GET) {
                writes = true;
                highestWrite = Math.max(highestWrite, offset + bits - 1);
                value = Arguments.longArg(r, j + 3);
            }
            fields.add(new Field(op, signed, (int) bits, offset, value, overflow));
            j += op == Op.GET ? 2 : 3;
        }
        if (writes && readOnly) {
            throw READ_ONLY; // once every operation parsed, as Redis checks it
        }
        Entry e = writes ? db.lookup(r.arg(1)) : db.lookupRead(r.arg(1));
        byte[] bytes = e == null ? null : Types.string(e);
        if (writes) {
            int size = (int) (highestWrite >>> 3) + 1;
            bytes = bytes == null ? new byte[size] : Arrays.copyOf(bytes, Math.max(bytes.length, size));
        }
        out.array(fields.size());
        for (Field f : fields) {
            if (f.op() == Op.GET) {
                out.integer(get(bytes, f));
                continue;
            }
            long old = f.signed() ? signed(bytes, f.offset(), f.bits()) : unsigned(bytes, f.offset(), f.bits());
            long target = f.op() == Op.INCRBY ? f.value() : 0;
            long base = f.op() == Op.INCRBY ? old : f.value();
            Long fitted = f.signed() ? signedFit(base, target, f.bits(), f.overflow())
                    : unsignedFit(base, target, f.bits(), f.overflow());
            if (fitted == null) {
                out.nullBulk(); // FAIL
                continue;
            }
            out.integer(f.op() == Op.INCRBY ? fitted : old);
            set(bytes, f.offset(), f.bits(), fitted);
        }
        if (writes) {
            if (e == null) {
                db.add(r.arg(1), StringValue.edited(bytes));
            } else {
                db.replaceValue(e, StringValue.edited(bytes));
            }
        }
    }

    /** A GET reads the value's bytes, zero past their end. */
    private static long get(byte[] bytes, Field f) {
        byte[] b = bytes == null ? new byte[0] : bytes;
        return f.signed() ? signed(b, f.offset(), f.bits()) : unsigned(b, f.offset(), f.bits());
    }

    private static long unsigned(byte[] p, long offset, int bits) {
        long value = 0;
        for (int j = 0; j < bits; j++, offset++) {
            long at = offset >>> 3;
            int byteValue = at < p.length ? p[(int) at] & 0xff : 0;
            value = (value << 1) | ((byteValue >>> (7 - (offset & 7))) & 1);
        }
        return value;
    }

    private static long signed(byte[] p, long offset, int bits) {
        long value = unsigned(p, offset, bits);
        if (bits < 64 && (value & (1L << (bits - 1))) != 0) {
            value |= -1L << bits;
        }
        return value;
    }

    private static void set(byte[] p, long offset, int bits, long value) {
        for (int j = 0; j < bits; j++, offset++) {
            int bit = (value & (1L << (bits - 1 - j))) != 0 ? 1 : 0;
            int at = (int) (offset >>> 3);
            int shift = 7 - (int) (offset & 7);
            p[at] = (byte) ((p[at] & ~(1 << shift)) | (bit << shift));
        }
    }

    /** checkUnsignedBitfieldOverflow: value + incr as it is stored, or null for FAIL. */
    private static Long unsignedFit(long value, long incr, int bits, Overflow overflow) {
        long max = (1L << bits) - 1;
        long maxIncr = max - value;
        long minIncr = -value;
        boolean over = Long.compareUnsigned(value, max) > 0 || incr > 0 && incr > maxIncr;
        boolean under = !over && incr < 0 && incr < minIncr;
        if (!over && !under) {
            return value + incr;
        }
        return switch (overflow) {
            case WRAP -> (value + incr) & ~(-1L << bits);
            case SAT -> over ? max : 0L;
            case FAIL -> null;
        };
    }

    /** checkSignedBitfieldOverflow: value + incr as it is stored, or null for FAIL. */
    private static Long signedFit(long value, long incr, int bits, Overflow overflow) {
        long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxIncr = max - value;
        long minIncr = min - value;
        boolean over = value > max || bits != 64 && incr > maxIncr || value >= 0 && incr > 0 && incr > maxIncr;
        boolean under = !over && (value < min || bits != 64 && incr < minIncr || value < 0 && incr < 0 && incr < minIncr);
        if (!over && !under) {
            return value + incr;
        }
        return switch (overflow) {
            case WRAP -> {
                long c = value + incr;
                if (bits < 64) {
                    long mask = -1L << bits;
                    c = (c & (1L << (bits - 1))) != 0 ? c | mask : c & ~mask;
                }
                yield c;
            }
            case SAT -> over ? max : min;
            case FAIL -> null;
        };
    }

    /** strlen: a C string ends at its first NUL. */
    private static int cLength(byte[] s) {
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0) {
                return i;
            }
        }
        return s.length;
    }
}
