package io.kvcache.slave.script;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.TwoArgFunction;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * The Lua world scripts run in, as Redis 7.0 builds it (script_lua.c): the base, table, string
 * and math libraries, {@code bit}, {@code cjson}, {@code cmsgpack}, {@code struct} and {@code redis}; no {@code os}, {@code io}, {@code package},
 * {@code require}, {@code load*} or {@code dofile}; Lua 5.1's names LuaJ (a 5.2) lacks
 * ({@code unpack}, {@code table.getn}, {@code math.mod}); and Redis's pcall, which hands a
 * script an error reply's message rather than its table.
 * <p>
 * Nothing leaks from one script to the next: the globals table and every library table are
 * read-only (a write raises "Attempt to modify a readonly table", reading an unknown global
 * raises "Script attempted to access nonexistent global variable"), their metatables locked.
 */
final class LuaSandbox {

    private static final String READONLY = "Attempt to modify a readonly table";
    /** Globals Redis 7.0 removed but still answers nil for, rather than an error. */
    private static final Set<String> READ_AS_NIL = Set.of("loadstring");

    private LuaSandbox() {
    }

    static Globals create(LuaTable redis) {
        Globals g = new Globals();
        g.load(new JseBaseLib());
        g.load(new PackageLib()); // the other libraries register themselves in package.loaded
        g.load(new TableLib());
        g.load(new StringLib());
        g.load(new JseMathLib());
        LoadState.install(g);
        LuaC.install(g);
        for (String name : new String[] {"dofile", "loadfile", "load", "print", "require", "module", "package",
                "rawlen", "collectgarbage"}) {
            g.rawset(name, LuaValue.NIL);
        }
        g.rawset("_VERSION", LuaValue.valueOf("Lua 5.1"));
        LuaTable table = g.rawget("table").checktable();
        g.rawset("unpack", table.rawget("unpack"));
        table.rawset("getn", new Getn());
        LuaTable strings = g.rawget("string").checktable();
        strings.rawset("rep", new Rep(strings.rawget("rep")));
        LuaTable math = g.rawget("math").checktable();
        math.rawset("mod", math.rawget("fmod"));
        g.rawset("collectgarbage", new CollectGarbage());

        Set<LuaValue> protectedTables = Collections.newSetFromMap(new IdentityHashMap<>());
        g.rawset("error", new Error());
        g.rawset("pcall", new ProtectedCall());
        g.rawset("xpcall", new ProtectedCallWithHandler());
        g.rawset("rawset", new RawSet(protectedTables));
        g.rawset("setmetatable", new SetMetatable(protectedTables, g.rawget("setmetatable")));
        g.rawset("bit", BitLib.create());
        g.rawset("cjson", CjsonLib.create());
        g.rawset("cmsgpack", CmsgpackLib.create());
        g.rawset("struct", StructLib.create());
        g.rawset("redis", redis);
        for (String lib : new String[] {"table", "string", "math", "bit", "cjson", "cmsgpack", "struct", "redis"}) {
            LuaValue proxy = readOnly(g.rawget(lib).checktable(), protectedTables);
            g.rawset(lib, proxy);
        }
        LuaValue stringLib = g.rawget("string");
        LuaTable stringMeta = LuaValue.tableOf(new LuaValue[] {LuaValue.INDEX, stringLib});
        stringMeta.rawset(LuaValue.METATABLE, readOnly(stringMeta, protectedTables));
        LuaString.s_metatable = stringMeta; // ("x"):upper() reaches the read-only string table

        LuaTable meta = new LuaTable();
        meta.rawset(LuaValue.INDEX, new MissingGlobal());
        meta.rawset(LuaValue.NEWINDEX, new ReadOnlyWrite());
        meta.rawset(LuaValue.METATABLE, LuaValue.FALSE);
        g.setmetatable(meta);
        protectedTables.add(g);
        return g;
    }

    /** An empty table reading through to t and refusing writes, with a locked metatable. */
    private static LuaValue readOnly(LuaTable t, Set<LuaValue> protectedTables) {
        LuaTable proxy = new LuaTable();
        LuaTable meta = new LuaTable();
        meta.rawset(LuaValue.INDEX, t);
        meta.rawset(LuaValue.NEWINDEX, new ReadOnlyWrite());
        meta.rawset(LuaValue.METATABLE, LuaValue.FALSE);
        proxy.setmetatable(meta);
        protectedTables.add(proxy);
        protectedTables.add(t);
        return proxy;
    }

    /** Reading a name the script's globals do not hold (Redis's globals protection). */
    static ScriptError nonexistentGlobal(LuaValue key) {
        return new ScriptError(LuaValue.valueOf("Script attempted to access nonexistent global variable '"
                + key.tojstring() + "'"), true);
    }

    /** KEYS, ARGV, or a function's keys and args: count of the values from from, as a Lua array of strings. */
    static LuaTable table(byte[][] values, int from, int count) {
        LuaTable t = new LuaTable(count, 0);
        for (int i = 0; i < count; i++) {
            t.rawset(i + 1, LuaString.valueOf(values[from + i]));
        }
        return t;
    }

    private static final class MissingGlobal extends TwoArgFunction {
        @Override
        public LuaValue call(LuaValue table, LuaValue key) {
            if (key.isstring() && READ_AS_NIL.contains(key.tojstring())) {
                return NIL;
            }
            throw nonexistentGlobal(key);
        }
    }

    private static final class ReadOnlyWrite extends VarArgFunction {
        @Override
        public Varargs invoke(Varargs args) {
            throw new ScriptError(valueOf(READONLY), true);
        }
    }

    /** rawset, but not into a protected table. */
    private static final class RawSet extends VarArgFunction {

        private final Set<LuaValue> protectedTables;

        RawSet(Set<LuaValue> protectedTables) {
            this.protectedTables = protectedTables;
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaTable t = args.checktable(1);
            if (protectedTables.contains(t)) {
                throw new ScriptError(valueOf(READONLY), false); // raised in C in Redis: no position
            }
            t.rawset(args.checknotnil(2), args.arg(3));
            return t;
        }
    }

    /** setmetatable, but not on a protected table. */
    private static final class SetMetatable extends VarArgFunction {

        private final Set<LuaValue> protectedTables;
        private final LuaValue setmetatable;

        SetMetatable(Set<LuaValue> protectedTables, LuaValue setmetatable) {
            this.protectedTables = protectedTables;
            this.setmetatable = setmetatable;
        }

        @Override
        public Varargs invoke(Varargs args) {
            if (protectedTables.contains(args.arg1())) {
                throw new ScriptError(valueOf(READONLY), false);
            }
            return setmetatable.invoke(args);
        }
    }

    /** Lua 5.1's error(message [, level]): a string gets the script position unless level is 0. */
    private static final class Error extends VarArgFunction {
        @Override
        public Varargs invoke(Varargs args) {
            LuaValue message = args.arg1();
            throw new ScriptError(message, args.optint(2, 1) > 0);
        }
    }

    /** Redis's pcall (luaRedisPcall): an error table reaches the script as its err string; SCRIPT KILL is not caught. */
    private static final class ProtectedCall extends VarArgFunction {
        @Override
        public Varargs invoke(Varargs args) {
            LuaValue f = args.checkvalue(1);
            try {
                return varargsOf(TRUE, f.invoke(args.subargs(2)));
            } catch (ScriptKilled killed) {
                throw killed;
            } catch (LuaError e) {
                return varargsOf(FALSE, LuaErrors.caught(e));
            } catch (StackOverflowError e) {
                return varargsOf(FALSE, valueOf("stack overflow"));
            }
        }
    }

    /** xpcall(f, handler): the handler sees what pcall would; SCRIPT KILL is not caught. */
    private static final class ProtectedCallWithHandler extends VarArgFunction {
        @Override
        public Varargs invoke(Varargs args) {
            LuaValue f = args.checkvalue(1);
            LuaValue handler = args.checkvalue(2);
            try {
                return varargsOf(TRUE, f.invoke(args.subargs(3)));
            } catch (ScriptKilled killed) {
                throw killed;
            } catch (LuaError e) {
                return varargsOf(FALSE, handler.call(LuaErrors.caught(e)));
            } catch (StackOverflowError e) {
                return varargsOf(FALSE, handler.call(valueOf("stack overflow")));
            }
        }
    }

    /** string.rep, refusing a result larger than the heap can hold beside the store (HeapGuard). */
    private static final class Rep extends VarArgFunction {

        private final LuaValue rep;

        Rep(LuaValue rep) {
            this.rep = rep;
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaValue s = args.arg1();
            double n = args.arg(2).optdouble(0);
            if (s.isstring() && n > 0 && (double) s.checkstring().m_length * n > HeapGuard.largestString()) {
                throw new ScriptKilled(HeapGuard.MESSAGE);
            }
            return rep.invoke(args);
        }
    }

    /** table.getn(t): Lua 5.1's #t. */
    private static final class Getn extends VarArgFunction {
        @Override
        public Varargs invoke(Varargs args) {
            return valueOf(args.checktable(1).length());
        }
    }

    /** collectgarbage: the JVM collects on its own; "count" answers the heap in use, in KB. */
    private static final class CollectGarbage extends VarArgFunction {
        @Override
        public Varargs invoke(Varargs args) {
            String option = args.optjstring(1, "collect");
            if (option.equals("count")) {
                Runtime rt = Runtime.getRuntime();
                return valueOf((rt.totalMemory() - rt.freeMemory()) / 1024.0);
            }
            return valueOf(0);
        }
    }
}
