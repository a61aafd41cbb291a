package io.kvcache.slave.script;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.luaj.vm2.Lua;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.Prototype;

/**
 * LuaJ's runtime type errors in Lua 5.1's words, which Redis's replies carry: LuaJ says
 * "attempt to index ? (a nil value)" or "attempt to call nil" where Lua names the culprit
 * ("attempt to index local 't' (a nil value)", "attempt to call global 'f' (a nil value)"). The
 * culprit is found as Lua's ldebug.c finds it: from the failing instruction (the interrupt hook
 * saw it last), the register it reads, and what last set that register (getobjname, findsetreg).
 */
final class LuaRuntimeErrors {

    private static final Pattern INDEX = Pattern.compile("attempt to index \\? \\(a (\\w+) value\\)");
    private static final Pattern CALL = Pattern.compile("attempt to call (\\w+)");
    private static final Pattern ARITH = Pattern.compile("attempt to perform arithmetic (?:\\S+ )?on (\\w+)(?: and (\\w+))?");
    private static final Pattern LENGTH = Pattern.compile("attempt to get length of (\\w+)");
    private static final Pattern CONCAT = Pattern.compile("attempt to concatenate (\\w+) and (\\w+)");
    private static final Pattern COMPARE = Pattern.compile("attempt to compare (?:\\S+ on )?(\\w+) (?:and|with) (\\w+)");

    private LuaRuntimeErrors() {
    }

    /** The message as Lua 5.1 words it, when it is one of LuaJ's type errors at instruction pc of p; else as it is. */
    static String lua51(String message, Prototype p, int pc) {
        Matcher compare = COMPARE.matcher(message);
        if (compare.matches()) { // luaG_ordererror
            return compare.group(1).equals(compare.group(2)) ? "attempt to compare two " + compare.group(1) + " values"
                    : "attempt to compare " + compare.group(1) + " with " + compare.group(2);
        }
        if (p == null || pc < 0 || pc >= p.code.length) {
            return message;
        }
        int i = p.code[pc];
        int op = Lua.GET_OPCODE(i);
        Matcher m;
        if ((m = INDEX.matcher(message)).matches()) {
            if (op == Lua.OP_GETTABUP || op == Lua.OP_SETTABUP) { // Lua 5.2 indexes an upvalue in place
                int u = op == Lua.OP_GETTABUP ? Lua.GETARG_B(i) : Lua.GETARG_A(i);
                if (u < p.upvalues.length && p.upvalues[u].name != null) {
                    return "attempt to index upvalue '" + p.upvalues[u].name.tojstring() + "' (a " + m.group(1)
                            + " value)";
                }
            }
            int reg = switch (op) {
                case Lua.OP_GETTABLE, Lua.OP_SELF -> Lua.GETARG_B(i);
                case Lua.OP_SETTABLE -> Lua.GETARG_A(i);
                default -> -1;
            };
            return typeError(p, pc, reg, "index", m.group(1));
        }
        if ((m = CALL.matcher(message)).matches() && (op == Lua.OP_CALL || op == Lua.OP_TAILCALL)) {
            return typeError(p, pc, Lua.GETARG_A(i), "call", m.group(1));
        }
        if ((m = ARITH.matcher(message)).matches() && op >= Lua.OP_ADD && op <= Lua.OP_UNM) {
            // luaG_aritherror: the first operand that is not a number
            boolean second = m.group(2) != null && m.group(1).equals("number");
            int rk = op == Lua.OP_UNM || !second ? Lua.GETARG_B(i) : Lua.GETARG_C(i);
            String type = second ? m.group(2) : m.group(1);
            return typeError(p, pc, Lua.ISK(rk) ? -1 : rk, "perform arithmetic on", type);
        }
        if ((m = LENGTH.matcher(message)).matches() && op == Lua.OP_LEN) {
            return typeError(p, pc, Lua.GETARG_B(i), "get length of", m.group(1));
        }
        if ((m = CONCAT.matcher(message)).matches() && op == Lua.OP_CONCAT) {
            // luaG_concaterror: the left operand unless it is a string or a number; named only for a pair
            boolean right = m.group(1).equals("string") || m.group(1).equals("number");
            int b = Lua.GETARG_B(i);
            int reg = Lua.GETARG_C(i) == b + 1 ? (right ? b + 1 : b) : -1;
            return typeError(p, pc, reg, "concatenate", right ? m.group(2) : m.group(1));
        }
        return message;
    }

    /** luaG_typeerror: "attempt to <op> <kind> '<name>' (a <type> value)", or "attempt to <op> a <type> value". */
    private static String typeError(Prototype p, int pc, int reg, String op, String type) {
        String[] name = reg < 0 ? null : objectName(p, pc, reg);
        if (name == null) {
            return "attempt to " + op + " a " + type + " value";
        }
        return "attempt to " + op + " " + name[0] + " '" + name[1] + "' (a " + type + " value)";
    }

    /** ldebug.c getobjname: {kind, name} of what register reg holds at pc, or null. */
    private static String[] objectName(Prototype p, int lastpc, int reg) {
        LuaString local = p.getlocalname(reg + 1, lastpc);
        if (local != null) {
            return new String[] {"local", local.tojstring()};
        }
        int pc = findSetReg(p, lastpc, reg);
        if (pc < 0) {
            return null;
        }
        int i = p.code[pc];
        switch (Lua.GET_OPCODE(i)) {
            case Lua.OP_MOVE -> {
                int b = Lua.GETARG_B(i);
                return b < Lua.GETARG_A(i) ? objectName(p, pc, b) : null;
            }
            case Lua.OP_GETTABUP, Lua.OP_GETTABLE -> {
                int t = Lua.GETARG_B(i);
                LuaString table = Lua.GET_OPCODE(i) == Lua.OP_GETTABLE ? p.getlocalname(t + 1, pc)
                        : t < p.upvalues.length ? p.upvalues[t].name : null;
                String key = constantName(p, Lua.GETARG_C(i));
                boolean global = table != null && table.tojstring().equals("_ENV");
                return key == null ? null : new String[] {global ? "global" : "field", key};
            }
            case Lua.OP_GETUPVAL -> {
                int u = Lua.GETARG_B(i);
                return u < p.upvalues.length && p.upvalues[u].name != null
                        ? new String[] {"upvalue", p.upvalues[u].name.tojstring()} : null;
            }
            case Lua.OP_SELF -> {
                String key = constantName(p, Lua.GETARG_C(i));
                return key == null ? null : new String[] {"method", key};
            }
            default -> {
                return null;
            }
        }
    }

    private static String constantName(Prototype p, int rk) {
        if (Lua.ISK(rk) && p.k[Lua.INDEXK(rk)].isstring()) {
            return p.k[Lua.INDEXK(rk)].tojstring();
        }
        return null;
    }

    /** ldebug.c findsetreg: the last instruction before lastpc that set register reg, or -1. */
    private static int findSetReg(Prototype p, int lastpc, int reg) {
        int setreg = -1;
        for (int pc = 0; pc < lastpc; pc++) {
            int i = p.code[pc];
            int op = Lua.GET_OPCODE(i);
            int a = Lua.GETARG_A(i);
            switch (op) {
                case Lua.OP_LOADNIL -> {
                    if (a <= reg && reg <= a + Lua.GETARG_B(i)) {
                        setreg = pc;
                    }
                }
                case Lua.OP_TFORCALL -> {
                    if (reg >= a + 2) {
                        setreg = pc;
                    }
                }
                case Lua.OP_CALL, Lua.OP_TAILCALL -> {
                    if (reg >= a) {
                        setreg = pc;
                    }
                }
                case Lua.OP_JMP -> {
                    int dest = pc + 1 + Lua.GETARG_sBx(i);
                    if (pc < dest && dest <= lastpc) {
                        pc = dest - 1;
                    }
                }
                case Lua.OP_TEST -> {
                    if (reg == a) {
                        setreg = pc;
                    }
                }
                default -> {
                    if (Lua.testAMode(op) && reg == a) {
                        setreg = pc;
                    }
                }
            }
        }
        return setreg;
    }
}
