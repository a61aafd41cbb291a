package io.kvcache.slave.script;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.TwoArgFunction;
import org.luaj.vm2.lib.VarArgFunction;

import io.kvcache.protocol.ErrorReply;

/**
 * Redis 7.0's function libraries (functions.c, function_lua.c): FUNCTION LOAD compiles a library
 * ({@code #!lua name=<library>}) and runs it once in an environment of its own, where
 * {@code redis.register_function} is the only thing it can do with the server; the functions it
 * registers are what FCALL calls. One thread at a time, under the dispatcher's lock.
 */
final class FunctionLibraries {

    static final String CHUNK_NAME = "@user_function";
    /** How long a library's code may run while it loads (Redis's LOAD_TIMEOUT_MS). */
    private static final long LOAD_TIMEOUT_MILLIS = 500;
    static final String NAME_RULE = "ERR Library names can only contain letters, numbers, or underscores(_) and must "
            + "be at least one character long";

    /** A library and the functions it registered. */
    record Library(String name, byte[] code, List<Function> functions) {
    }

    /** A function FCALL can call. */
    record Function(String name, LuaFunction callback, ScriptFlags flags, String description, String library) {
    }

    private final Globals globals;
    private final InterruptHook hook;
    private final Map<String, Library> libraries = new TreeMap<>();
    private final Map<String, Function> functions = new HashMap<>();

    FunctionLibraries(Globals globals, InterruptHook hook) {
        this.globals = globals;
        this.hook = hook;
    }

    Function function(String name) {
        return functions.get(name);
    }

    Library library(String name) {
        return libraries.get(name);
    }

    Collection<Library> libraries() {
        return libraries.values();
    }

    int functionCount() {
        return functions.size();
    }

    void flush() {
        libraries.clear();
        functions.clear();
    }

    /** FUNCTION DELETE. */
    boolean delete(String name) {
        Library removed = libraries.remove(name);
        if (removed == null) {
            return false;
        }
        removed.functions().forEach(f -> functions.remove(f.name()));
        return true;
    }

    /**
     * FUNCTION LOAD [REPLACE] (functionsCreateWithLibraryCtx): the library's name, or an ErrorReply
     * with Redis's message; nothing changes unless the whole library loads.
     */
    String load(byte[] code, boolean replace) {
        String name = libraryName(code);
        if (libraries.containsKey(name) && !replace) {
            throw new ErrorReply("ERR Library '" + name + "' already exists");
        }
        byte[] source = Arrays.copyOf(code, code.length);
        source[0] = '-'; // the metadata line becomes a comment, so that lines keep their numbers
        source[1] = '-';
        LuaFunction chunk;
        LuaTable env = environment();
        try {
            chunk = (LuaFunction) globals.load(new ByteArrayInputStream(source), CHUNK_NAME, "t", env);
        } catch (LuaError e) {
            throw new ErrorReply("ERR Error compiling function: " + LuaErrors.valueOf(e).tojstring());
        }
        Map<String, Function> registered = new LinkedHashMap<>();
        env.rawset("redis", loadTimeRedis(name, registered));
        hook.start(name, 0, LOAD_TIMEOUT_MILLIS);
        try {
            chunk.call();
        } catch (LuaError e) {
            throw new ErrorReply("ERR Error registering functions: " + LuaErrors.message(e));
        } finally {
            hook.stop();
            env.rawset("redis", LuaValue.NIL); // from now on the globals' redis, with call and pcall
        }
        if (registered.isEmpty()) {
            throw new ErrorReply("ERR No functions registered");
        }
        for (String f : registered.keySet()) {
            Function existing = functions.get(f);
            if (existing != null && !existing.library().equals(name)) {
                throw new ErrorReply("ERR Function " + f + " already exists");
            }
        }
        delete(name);
        libraries.put(name, new Library(name, code, List.copyOf(registered.values())));
        functions.putAll(registered);
        return name;
    }

    /** The library's name from its first line ({@code #!lua name=<library>}), checked as Redis checks it. */
    static String libraryName(byte[] code) {
        if (code.length < 2 || code[0] != '#' || code[1] != '!') {
            throw new ErrorReply("ERR Missing library metadata");
        }
        int end = 0;
        while (end < code.length && code[end] != '\n') {
            end++;
        }
        String[] parts = new String(code, 2, end - 2, StandardCharsets.ISO_8859_1).trim().split("[ \t\r]+");
        if (!parts[0].equalsIgnoreCase("lua")) {
            throw new ErrorReply("ERR Engine '" + parts[0] + "' not found");
        }
        String name = null;
        for (String part : Arrays.copyOfRange(parts, 1, parts.length)) {
            if (!part.startsWith("name=")) {
                throw new ErrorReply("ERR Invalid metadata value given: " + part);
            }
            name = part.substring(5);
        }
        if (name == null) {
            throw new ErrorReply("ERR Library name was not given");
        }
        if (!validName(name)) {
            throw new ErrorReply(NAME_RULE);
        }
        return name;
    }

    private static boolean validName(String name) {
        return !name.isEmpty() && name.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '_'));
    }

    /** A library's globals: its own table, reading through to the sandbox's, refusing writes. */
    private LuaTable environment() {
        LuaTable env = new LuaTable();
        LuaTable meta = new LuaTable();
        meta.rawset(LuaValue.INDEX, globals);
        meta.rawset(LuaValue.NEWINDEX, new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                throw new ScriptError(valueOf("Attempt to modify a readonly table"), true);
            }
        });
        meta.rawset(LuaValue.METATABLE, LuaValue.FALSE);
        env.setmetatable(meta);
        return env;
    }

    /** The redis table while a library loads: register_function, log and the constants; nothing that runs commands. */
    private static LuaTable loadTimeRedis(String library, Map<String, Function> registered) {
        LuaTable redis = RedisLib.constantsAndHelpers();
        redis.rawset("register_function", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                register(args, library, registered);
                return NONE;
            }
        });
        LuaTable meta = new LuaTable();
        meta.rawset(LuaValue.INDEX, new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue table, LuaValue key) {
                throw LuaSandbox.nonexistentGlobal(key); // redis.call, during a load: as Redis words it
            }
        });
        redis.setmetatable(meta);
        return redis;
    }

    /** redis.register_function(name, callback) or redis.register_function{function_name=..., callback=..., flags=..., description=...}. */
    private static void register(Varargs args, String library, Map<String, Function> registered) {
        LuaValue name;
        LuaValue callback;
        LuaValue flags = LuaValue.NIL;
        LuaValue description = LuaValue.NIL;
        if (args.narg() == 1 && args.arg1().istable()) {
            LuaTable t = args.arg1().checktable();
            for (LuaValue key : t.keys()) {
                String field = key.isstring() ? key.tojstring() : "";
                if (!List.of("function_name", "callback", "flags", "description").contains(field)) {
                    throw failed("ERR unknown argument given to redis.register_function");
                }
            }
            name = t.rawget("function_name");
            callback = t.rawget("callback");
            flags = t.rawget("flags");
            description = t.rawget("description");
            if (name.isnil()) {
                throw failed("ERR redis.register_function must get a function name argument");
            }
            if (callback.isnil()) {
                throw failed("ERR redis.register_function must get a callback argument");
            }
        } else if (args.narg() == 2) {
            name = args.arg1();
            callback = args.arg(2);
        } else {
            throw failed("ERR wrong number of arguments to redis.register_function");
        }
        if (!name.isstring()) {
            throw failed("ERR first argument to redis.register_function must be a string");
        }
        if (!callback.isfunction()) {
            throw failed("ERR second argument to redis.register_function must be a function");
        }
        String functionName = name.tojstring();
        if (!validName(functionName)) {
            throw failed(NAME_RULE);
        }
        if (registered.containsKey(functionName)) {
            throw failed("ERR Function already exists in the library");
        }
        registered.put(functionName, new Function(functionName, (LuaFunction) callback, flags(flags),
                description.isstring() ? description.tojstring() : null, library));
    }

    private static ScriptFlags flags(LuaValue flags) {
        if (flags.isnil()) {
            return ScriptFlags.DECLARED_NONE;
        }
        if (!flags.istable()) {
            throw failed("ERR flags argument to redis.register_function must be a table representing function flags");
        }
        List<String> names = new ArrayList<>();
        LuaTable t = flags.checktable();
        for (int i = 1; !t.rawget(i).isnil(); i++) {
            LuaValue f = t.rawget(i);
            if (!f.isstring()) {
                throw failed("ERR unknown flag given");
            }
            names.add(f.tojstring());
        }
        try {
            return ScriptFlags.declared(names);
        } catch (ErrorReply e) {
            throw failed("ERR unknown flag given");
        }
    }

    private static ScriptError failed(String message) {
        return new ScriptError(LuaErrors.errorTable(message), false);
    }
}
