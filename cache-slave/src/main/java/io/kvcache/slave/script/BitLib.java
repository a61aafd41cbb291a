package io.kvcache.slave.script;

import java.util.Locale;

import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * LuaBitOp's {@code bit} library, which Redis bundles: 32-bit operations on Lua numbers, whose
 * results are signed 32-bit integers (bit.tobit(0xffffffff) == -1).
 */
final class BitLib {

    private BitLib() {
    }

    static LuaTable create() {
        LuaTable bit = new LuaTable();
        bit.set("tobit", op(a -> tobit(a.arg1())));
        bit.set("bnot", op(a -> ~tobit(a.arg1())));
        bit.set("band", op(a -> fold(a, 0)));
        bit.set("bor", op(a -> fold(a, 1)));
        bit.set("bxor", op(a -> fold(a, 2)));
        bit.set("lshift", op(a -> tobit(a.arg1()) << (tobit(a.arg(2)) & 31)));
        bit.set("rshift", op(a -> tobit(a.arg1()) >>> (tobit(a.arg(2)) & 31)));
        bit.set("arshift", op(a -> tobit(a.arg1()) >> (tobit(a.arg(2)) & 31)));
        bit.set("rol", op(a -> Integer.rotateLeft(tobit(a.arg1()), tobit(a.arg(2)) & 31)));
        bit.set("ror", op(a -> Integer.rotateRight(tobit(a.arg1()), tobit(a.arg(2)) & 31)));
        bit.set("bswap", op(a -> Integer.reverseBytes(tobit(a.arg1()))));
        bit.set("tohex", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                int x = tobit(args.arg1());
                int n = args.isnoneornil(2) ? 8 : tobit(args.arg(2));
                boolean upper = n < 0;
                n = Math.min(Math.abs(n), 8);
                String hex = String.format(Locale.ROOT, "%08x", x);
                hex = hex.substring(8 - n);
                return valueOf(upper ? hex.toUpperCase(Locale.ROOT) : hex);
            }
        });
        return bit;
    }

    /** A number's low 32 bits, as LuaBitOp normalizes it (modulo 2^32, signed). */
    static int tobit(LuaValue v) {
        double d = v.checkdouble();
        return (int) (long) d;
    }

    private static int fold(Varargs args, int kind) {
        int acc = tobit(args.arg1());
        for (int i = 2; i <= args.narg(); i++) {
            int x = tobit(args.arg(i));
            acc = switch (kind) {
                case 0 -> acc & x;
                case 1 -> acc | x;
                default -> acc ^ x;
            };
        }
        return acc;
    }

    private interface IntOp {
        int apply(Varargs args);
    }

    private static VarArgFunction op(IntOp f) {
        return new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return valueOf(f.apply(args));
            }
        };
    }
}
