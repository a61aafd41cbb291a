package io.kvcache.slave.script;

import java.io.ByteArrayOutputStream;

import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The {@code cmsgpack} library Redis bundles (lua_cmsgpack 0.4): pack, unpack, unpack_one and
 * unpack_limit. A number with an integer value packs as the smallest MessagePack integer, any
 * other as a float32 when that holds it exactly, else a float64; a table whose keys are exactly
 * 1..n packs as an array, any other as a map; nesting deeper than 16 packs as nil.
 */
final class CmsgpackLib {

    private static final int MAX_NESTING = 16;

    private CmsgpackLib() {
    }

    static LuaTable create() {
        LuaTable lib = new LuaTable();
        lib.set("pack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() == 0) {
                    throw new ScriptError(valueOf("MessagePack pack needs input."), true);
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int i = 1; i <= args.narg(); i++) {
                    encode(args.arg(i), out, 0);
                }
                return LuaString.valueOf(out.toByteArray());
            }
        });
        lib.set("unpack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return decode(input(args, "unpack"), 0, 0, false);
            }
        });
        lib.set("unpack_one", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return decode(input(args, "unpack_one"), args.optint(2, 0), 1, true);
            }
        });
        lib.set("unpack_limit", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return decode(input(args, "unpack_limit"), args.optint(3, 0), args.optint(2, 0), true);
            }
        });
        lib.set("_NAME", "cmsgpack");
        lib.set("_VERSION", "lua-cmsgpack 0.4.0");
        return lib;
    }

    private static byte[] input(Varargs args, String function) {
        if (!args.arg1().isstring()) {
            throw new ScriptError(LuaValue.valueOf("bad argument #1 to '" + function + "' (string expected, got "
                    + (args.narg() == 0 ? "no value" : args.arg1().typename()) + ")"), true);
        }
        return RedisLib.bytes(args.arg1().checkstring());
    }

    private static void encode(LuaValue v, ByteArrayOutputStream out, int depth) {
        switch (v.type()) {
            case LuaValue.TNIL -> out.write(0xc0);
            case LuaValue.TBOOLEAN -> out.write(v.toboolean() ? 0xc3 : 0xc2);
            case LuaValue.TNUMBER -> number(v.todouble(), out);
            case LuaValue.TSTRING -> {
                LuaString s = v.checkstring();
                int n = s.m_length;
                if (n < 32) {
                    out.write(0xa0 | n);
                } else if (n <= 0xff) {
                    out.write(0xd9);
                    out.write(n);
                } else if (n <= 0xffff) {
                    out.write(0xda);
                    bigEndian(n, 2, out);
                } else {
                    out.write(0xdb);
                    bigEndian(n, 4, out);
                }
                out.write(s.m_bytes, s.m_offset, n);
            }
            case LuaValue.TTABLE -> {
                if (depth >= MAX_NESTING) {
                    out.write(0xc0);
                } else {
                    table((LuaTable) v, out, depth + 1);
                }
            }
            default -> out.write(0xc0);
        }
    }

    private static void number(double d, ByteArrayOutputStream out) {
        if (d == Math.rint(d) && d >= -0x1p63 && d < 0x1p63) {
            integer((long) d, out);
        } else if ((double) (float) d == d || Double.isNaN(d)) {
            out.write(0xca);
            bigEndian(Float.floatToIntBits((float) d), 4, out);
        } else {
            out.write(0xcb);
            bigEndian(Double.doubleToLongBits(d), 8, out);
        }
    }

    private static void integer(long n, ByteArrayOutputStream out) {
        if (n >= 0) {
            if (n <= 127) {
                out.write((int) n);
            } else if (n <= 0xff) {
                out.write(0xcc);
                out.write((int) n);
            } else if (n <= 0xffff) {
                out.write(0xcd);
                bigEndian(n, 2, out);
            } else if (n <= 0xffffffffL) {
                out.write(0xce);
                bigEndian(n, 4, out);
            } else {
                out.write(0xcf);
                bigEndian(n, 8, out);
            }
        } else if (n >= -32) {
            out.write((int) n & 0xff);
        } else if (n >= -128) {
            out.write(0xd0);
            out.write((int) n & 0xff);
        } else if (n >= -32768) {
            out.write(0xd1);
            bigEndian(n, 2, out);
        } else if (n >= Integer.MIN_VALUE) {
            out.write(0xd2);
            bigEndian(n, 4, out);
        } else {
            out.write(0xd3);
            bigEndian(n, 8, out);
        }
    }

    /** table_is_an_array: every key a positive integer, and as many keys as the largest. */
    private static void table(LuaTable t, ByteArrayOutputStream out, int depth) {
        int count = 0;
        double max = 0;
        boolean array = true;
        LuaValue[] keys = t.keys();
        for (LuaValue k : keys) {
            count++;
            if (k.type() != LuaValue.TNUMBER || k.todouble() < 1 || k.todouble() != Math.floor(k.todouble())) {
                array = false;
            } else {
                max = Math.max(max, k.todouble());
            }
        }
        if (array && max == count) {
            header(count, 0x90, 16, 0xdc, out);
            for (int i = 1; i <= count; i++) {
                encode(t.rawget(i), out, depth);
            }
            return;
        }
        header(count, 0x80, 16, 0xde, out);
        for (LuaValue k : keys) {
            encode(k, out, depth);
            encode(t.rawget(k), out, depth);
        }
    }

    /** A fixarray/fixmap below fixLimit, else the 16-bit or 32-bit form (code, code + 1). */
    private static void header(int n, int fix, int fixLimit, int code, ByteArrayOutputStream out) {
        if (n < fixLimit) {
            out.write(fix | n);
        } else if (n <= 0xffff) {
            out.write(code);
            bigEndian(n, 2, out);
        } else {
            out.write(code + 1);
            bigEndian(n, 4, out);
        }
    }

    private static void bigEndian(long v, int bytes, ByteArrayOutputStream out) {
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    /**
     * mp_unpack_full: up to limit objects (0: all) from offset; with the offset first (unpack_one and
     * unpack_limit: where the next object starts, -1 at the end).
     */
    private static Varargs decode(byte[] s, int offset, int limit, boolean withOffset) {
        if (offset < 0 || limit < 0) {
            throw new ScriptError(LuaValue.valueOf("Invalid request to unpack with offset of " + offset
                    + " and limit of " + limit + "."), true);
        }
        Reader in = new Reader(s, offset);
        java.util.List<LuaValue> values = new java.util.ArrayList<>();
        while (in.pos < s.length && (limit == 0 || values.size() < limit)) {
            values.add(in.value());
        }
        LuaValue[] out;
        if (withOffset) {
            out = new LuaValue[values.size() + 1];
            out[0] = LuaValue.valueOf(in.pos >= s.length ? -1 : in.pos);
            for (int i = 0; i < values.size(); i++) {
                out[i + 1] = values.get(i);
            }
        } else {
            out = values.toArray(new LuaValue[0]);
        }
        return LuaValue.varargsOf(out);
    }

    private static final class Reader {

        private final byte[] s;
        private int pos;

        Reader(byte[] s, int pos) {
            this.s = s;
            this.pos = pos;
        }

        LuaValue value() {
            int c = u8();
            if (c <= 0x7f) {
                return LuaValue.valueOf(c);
            }
            if (c >= 0xe0) {
                return LuaValue.valueOf((byte) c);
            }
            if ((c & 0xf0) == 0x80) {
                return map(c & 0x0f);
            }
            if ((c & 0xf0) == 0x90) {
                return array(c & 0x0f);
            }
            if ((c & 0xe0) == 0xa0) {
                return string(c & 0x1f);
            }
            return switch (c) {
                case 0xc0 -> LuaValue.NIL;
                case 0xc2 -> LuaValue.FALSE;
                case 0xc3 -> LuaValue.TRUE;
                case 0xc4, 0xd9 -> string((int) read(1));
                case 0xc5, 0xda -> string((int) read(2));
                case 0xc6, 0xdb -> string((int) read(4));
                case 0xca -> LuaValue.valueOf(Float.intBitsToFloat((int) read(4)));
                case 0xcb -> LuaValue.valueOf(Double.longBitsToDouble(read(8)));
                case 0xcc -> LuaValue.valueOf(read(1));
                case 0xcd -> LuaValue.valueOf(read(2));
                case 0xce -> LuaValue.valueOf(read(4));
                case 0xcf -> LuaValue.valueOf(unsigned(read(8)));
                case 0xd0 -> LuaValue.valueOf((byte) read(1));
                case 0xd1 -> LuaValue.valueOf((short) read(2));
                case 0xd2 -> LuaValue.valueOf((int) read(4));
                case 0xd3 -> LuaValue.valueOf((double) read(8));
                case 0xdc -> array((int) read(2));
                case 0xdd -> array((int) read(4));
                case 0xde -> map((int) read(2));
                case 0xdf -> map((int) read(4));
                default -> throw new ScriptError(LuaValue.valueOf("Bad data format in input."), true);
            };
        }

        private static double unsigned(long v) {
            return v >= 0 ? v : (double) (v >>> 1) * 2 + (v & 1);
        }

        private LuaValue array(int n) {
            LuaTable t = new LuaTable();
            for (int i = 1; i <= n; i++) {
                t.rawset(i, value());
            }
            return t;
        }

        private LuaValue map(int n) {
            LuaTable t = new LuaTable();
            for (int i = 0; i < n; i++) {
                LuaValue k = value();
                LuaValue v = value();
                if (!k.isnil()) {
                    t.rawset(k, v);
                }
            }
            return t;
        }

        private LuaValue string(int n) {
            need(n);
            LuaValue v = LuaString.valueOf(java.util.Arrays.copyOfRange(s, pos, pos + n));
            pos += n;
            return v;
        }

        private int u8() {
            need(1);
            return s[pos++] & 0xff;
        }

        private long read(int bytes) {
            need(bytes);
            long v = 0;
            for (int i = 0; i < bytes; i++) {
                v = (v << 8) | (s[pos++] & 0xff);
            }
            return v;
        }

        private void need(int n) {
            if (n < 0 || pos + n > s.length) {
                throw new ScriptError(LuaValue.valueOf("Missing bytes in input."), true);
            }
        }
    }
}
