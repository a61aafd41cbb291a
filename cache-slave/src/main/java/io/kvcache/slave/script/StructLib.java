package io.kvcache.slave.script;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The {@code struct} library Redis bundles (Roberto Ierusalimschy's struct.c): pack, unpack and
 * size over a format of {@code > < !n x b B h H l L T i[n] I[n] f d s c[n]}, little-endian
 * unless told, with the sizes of a 64-bit build (l, L and T are 8 bytes, i and I 4 by default).
 */
final class StructLib {

    private static final int MAX_INT_SIZE = 8;

    private StructLib() {
    }

    static LuaTable create() {
        LuaTable lib = new LuaTable();
        lib.set("pack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return pack(format(args, "pack"), args);
            }
        });
        lib.set("unpack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                String fmt = format(args, "unpack");
                if (!args.arg(2).isstring()) {
                    throw argument(2, "unpack", "string expected, got " + typeName(args, 2));
                }
                return unpack(fmt, RedisLib.bytes(args.arg(2).checkstring()), args.optint(3, 1));
            }
        });
        lib.set("size", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                Format f = new Format(format(args, "size"), "size");
                int size = 0;
                for (Option o = f.next(size); o != null; o = f.next(size)) {
                    if (o.kind == 's' || (o.kind == 'c' && o.size == 0)) {
                        throw argument(1, "size", "options 'c0' - 's' have undefined sizes");
                    }
                    size += o.padding + o.size;
                }
                return valueOf(size);
            }
        });
        return lib;
    }

    private static String format(Varargs args, String function) {
        if (!args.arg1().isstring()) {
            throw argument(1, function, "string expected, got " + typeName(args, 1));
        }
        return args.arg1().tojstring();
    }

    private static String typeName(Varargs args, int i) {
        return args.narg() < i ? "no value" : args.arg(i).typename();
    }

    private static ScriptError argument(int n, String function, String message) {
        return new ScriptError(LuaValue.valueOf("bad argument #" + n + " to '" + function + "' (" + message + ")"),
                true);
    }

    private static Varargs pack(String fmt, Varargs args) {
        Format f = new Format(fmt, "pack");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int arg = 2;
        for (Option o = f.next(out.size()); o != null; o = f.next(out.size())) {
            for (int i = 0; i < o.padding; i++) {
                out.write(0);
            }
            switch (o.kind) {
                case 'x' -> out.write(0);
                case 'i' -> {
                    double d = args.checkdouble(arg++);
                    integer((long) d, o.size, f.little, out);
                }
                case 'f' -> integer(Float.floatToIntBits((float) args.checkdouble(arg++)), 4, f.little, out);
                case 'd' -> integer(Double.doubleToLongBits(args.checkdouble(arg++)), 8, f.little, out);
                case 'c', 's' -> {
                    LuaString s = args.checkstring(arg++);
                    int n = o.kind == 'c' && o.size > 0 ? o.size : s.m_length;
                    if (n > s.m_length) {
                        throw argument(arg - 1, "pack", "string too short");
                    }
                    out.write(s.m_bytes, s.m_offset, n);
                    if (o.kind == 's') {
                        out.write(0);
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        return LuaString.valueOf(out.toByteArray());
    }

    private static Varargs unpack(String fmt, byte[] data, int start) {
        Format f = new Format(fmt, "unpack");
        int pos = start - 1;
        if (pos < 0 || pos > data.length) {
            throw argument(3, "unpack", "offset must be 1 or greater");
        }
        List<LuaValue> values = new ArrayList<>();
        long previous = -1;
        for (Option o = f.next(pos); o != null; o = f.next(pos)) {
            pos += o.padding;
            int size = o.size;
            if (o.kind == 'c' && size == 0) {
                if (previous < 0) {
                    throw new ScriptError(LuaValue.valueOf("format 'c0' needs a previous size"), true);
                }
                size = (int) previous;
                values.remove(values.size() - 1);
            }
            if (o.kind == 's') {
                int end = pos;
                while (end < data.length && data[end] != 0) {
                    end++;
                }
                if (end >= data.length) {
                    throw argument(2, "unpack", "unfinished string in data");
                }
                values.add(LuaString.valueOf(java.util.Arrays.copyOfRange(data, pos, end)));
                pos = end + 1;
                continue;
            }
            if (pos + size > data.length) {
                throw argument(2, "unpack", "data string too short");
            }
            switch (o.kind) {
                case 'x' -> {
                }
                case 'i' -> {
                    long v = read(data, pos, size, f.little, o.signed);
                    previous = v;
                    values.add(LuaValue.valueOf((double) v));
                }
                case 'f' -> values.add(LuaValue.valueOf(Float.intBitsToFloat((int) read(data, pos, 4, f.little, false))));
                case 'd' -> values.add(LuaValue.valueOf(Double.longBitsToDouble(read(data, pos, 8, f.little, false))));
                case 'c' -> values.add(LuaString.valueOf(java.util.Arrays.copyOfRange(data, pos, pos + size)));
                default -> throw new IllegalStateException();
            }
            if (o.kind != 'i') {
                previous = -1;
            }
            pos += size;
        }
        values.add(LuaValue.valueOf(pos + 1));
        return LuaValue.varargsOf(values.toArray(new LuaValue[0]));
    }

    private static void integer(long v, int size, boolean little, ByteArrayOutputStream out) {
        for (int i = 0; i < size; i++) {
            int shift = 8 * (little ? i : size - 1 - i);
            out.write(shift < 64 ? (int) (v >>> shift) & 0xff : (v < 0 ? 0xff : 0));
        }
    }

    private static long read(byte[] data, int pos, int size, boolean little, boolean signed) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            int b = data[pos + (little ? size - 1 - i : i)] & 0xff;
            v = (v << 8) | b;
        }
        if (signed && size < 8 && (v & (1L << (8 * size - 1))) != 0) {
            v -= 1L << (8 * size);
        }
        return v;
    }

    /** One option of the format: its kind (x, i for every integer, f, d, s, c), size, signedness and padding. */
    private record Option(char kind, int size, boolean signed, int padding) {
    }

    /** The format's options in turn, with the endianness and alignment options applied. */
    private static final class Format {

        private final String fmt;
        private final String function;
        private int at;
        boolean little = true;
        private int maxAlign = 1;

        Format(String fmt, String function) {
            this.fmt = fmt;
            this.function = function;
        }

        /** The next option at position offset of the output, or null at the end. */
        Option next(int offset) {
            while (at < fmt.length()) {
                char c = fmt.charAt(at++);
                switch (c) {
                    case ' ' -> {
                    }
                    case '>' -> little = false;
                    case '<' -> little = true;
                    case '!' -> maxAlign = number(8);
                    case 'x' -> {
                        return new Option('x', 1, false, 0);
                    }
                    case 'b', 'B' -> {
                        return aligned('i', 1, c == 'b', offset);
                    }
                    case 'h', 'H' -> {
                        return aligned('i', 2, c == 'h', offset);
                    }
                    case 'l', 'L', 'T' -> {
                        return aligned('i', 8, c == 'l', offset);
                    }
                    case 'i', 'I' -> {
                        int size = number(4);
                        if (size > MAX_INT_SIZE) {
                            throw argument(1, function, "integral size " + size + " is larger than limit of "
                                    + MAX_INT_SIZE);
                        }
                        return aligned('i', size, c == 'i', offset);
                    }
                    case 'f' -> {
                        return aligned('f', 4, true, offset);
                    }
                    case 'd' -> {
                        return aligned('d', 8, true, offset);
                    }
                    case 's' -> {
                        return new Option('s', 0, false, 0);
                    }
                    case 'c' -> {
                        return new Option('c', number(1), false, 0);
                    }
                    default -> throw argument(1, function, "invalid format option '" + c + "'");
                }
            }
            return null;
        }

        private Option aligned(char kind, int size, boolean signed, int offset) {
            int align = Math.min(size, maxAlign);
            int padding = align > 1 && (align & (align - 1)) == 0 ? (align - (offset & (align - 1))) & (align - 1) : 0;
            return new Option(kind, size, signed, padding);
        }

        /** The digits after an option, or def when there are none. */
        private int number(int def) {
            if (at >= fmt.length() || !Character.isDigit(fmt.charAt(at))) {
                return def;
            }
            int n = 0;
            while (at < fmt.length() && Character.isDigit(fmt.charAt(at))) {
                n = n * 10 + (fmt.charAt(at++) - '0');
            }
            return n;
        }
    }
}
