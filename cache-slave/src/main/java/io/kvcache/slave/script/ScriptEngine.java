package io.kvcache.slave.script;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * The scripts of one store and the Lua state they run in (Redis's lctx): one sandbox, the cache
 * of compiled scripts by SHA1, and the hook that makes a long script interruptible. Used by one
 * thread at a time, under the dispatcher's lock; {@link #busy} and {@link #kill} from any thread.
 */
public final class ScriptEngine {

    private final Globals globals;
    private final InterruptHook hook = new InterruptHook();
    private final Map<String, LuaScript> scripts = new LinkedHashMap<>();
    private final FunctionLibraries functions;
    private volatile long busyThresholdMillis;
    private volatile ScriptRun current;
    private ScriptHost host;
    private long bodyBytes;

    public ScriptEngine(long busyThresholdMillis) {
        this.busyThresholdMillis = busyThresholdMillis;
        this.globals = LuaSandbox.create(RedisLib.create(this));
        this.globals.debuglib = hook;
        this.functions = new FunctionLibraries(globals, hook);
    }

    /** The function libraries (FUNCTION, FCALL). */
    FunctionLibraries functions() {
        return functions;
    }

    void host(ScriptHost host) {
        this.host = host;
    }

    /** busy-reply-threshold (lua-time-limit): how long a script runs before others get -BUSY; 0 for never. */
    public long busyThresholdMillis() {
        return busyThresholdMillis;
    }

    public void busyThresholdMillis(long millis) {
        this.busyThresholdMillis = millis;
    }

    /** The cached script of that digest, or null. */
    LuaScript get(String sha) {
        return scripts.get(sha);
    }

    /**
     * Compiles and caches body (luaCreateFunction), or finds it cached.
     *
     * @throws ErrorReply for a bad shebang or a script that does not compile
     */
    LuaScript load(byte[] body) {
        String sha = RedisLib.sha1(body);
        LuaScript cached = scripts.get(sha);
        if (cached != null) {
            return cached;
        }
        ScriptFlags flags = ScriptFlags.of(body);
        byte[] source = body;
        if (flags.shebang()) { // a comment to Lua, so that lines keep their numbers
            source = Arrays.copyOf(body, body.length);
            source[0] = '-';
            source[1] = '-';
        }
        LuaFunction function;
        try {
            function = (LuaFunction) globals.load(new ByteArrayInputStream(source), LuaErrors.CHUNK_NAME, "t", globals);
        } catch (LuaError e) {
            throw new ErrorReply("ERR Error compiling script (new function): " + LuaErrors.valueOf(e).tojstring());
        }
        LuaScript script = new LuaScript(sha, body, flags, function);
        scripts.put(sha, script);
        bodyBytes += body.length;
        return script;
    }

    boolean exists(String sha) {
        return scripts.containsKey(sha);
    }

    /** SCRIPT FLUSH. */
    void flush() {
        scripts.clear();
        bodyBytes = 0;
    }

    /** How many scripts are cached (INFO number_of_cached_scripts). */
    public int size() {
        return scripts.size();
    }

    /** The cached scripts' source bytes (INFO used_memory_scripts_eval, roughly). */
    public long bodyBytes() {
        return bodyBytes;
    }

    /** How many functions the libraries registered (INFO number_of_functions). */
    public int functionCount() {
        return functions.functionCount();
    }

    /** The libraries' code bytes (INFO used_memory_functions, roughly). */
    public long libraryBytes() {
        return functions.libraries().stream().mapToLong(lib -> lib.code().length).sum();
    }

    /** The code of every function library (a replica's full sync loads them). */
    public List<byte[]> libraryCodes() {
        return functions.libraries().stream().map(FunctionLibraries.Library::code).toList();
    }

    /** The bodies of every cached script, oldest first (a replica's full sync loads them). */
    public Iterable<byte[]> bodies() {
        return scripts.values().stream().map(LuaScript::body).toList();
    }

    /**
     * Runs script with KEYS and ARGV from args, its return value (or its error) appended to out.
     *
     * @param args     the command's arguments: keys from keysFrom, numkeys of them, then ARGV to the end
     */
    void run(LuaScript script, byte[][] args, int keysFrom, int numkeys, ScriptRun run, RespWriter out) {
        globals.rawset("KEYS", LuaSandbox.table(args, keysFrom, numkeys));
        globals.rawset("ARGV", LuaSandbox.table(args, keysFrom + numkeys, args.length - keysFrom - numkeys));
        invoke(script.function(), LuaValue.NONE, script.sha(), LuaErrors.CHUNK_NAME, run, out);
    }

    /** FCALL: the function is called with its keys and its arguments, as two tables. */
    void call(FunctionLibraries.Function function, byte[][] args, int keysFrom, int numkeys, ScriptRun run,
              RespWriter out) {
        Varargs params = LuaValue.varargsOf(LuaSandbox.table(args, keysFrom, numkeys),
                LuaSandbox.table(args, keysFrom + numkeys, args.length - keysFrom - numkeys));
        invoke(function.callback(), params, function.name(), FunctionLibraries.CHUNK_NAME, run, out);
    }

    private void invoke(LuaValue f, Varargs params, String name, String chunk, ScriptRun run, RespWriter out) {
        current = run;
        hook.start(name, busyThresholdMillis);
        int mark = out.size();
        try {
            Varargs result = f.invoke(params);
            LuaReplies.toReply(result.arg1(), out);
        } catch (LuaError e) {
            out.truncate(mark);
            out.error(LuaErrors.reply(e, name, chunk, hook.currentLine()));
        } catch (StackOverflowError e) {
            out.truncate(mark);
            out.error("ERR Error running script " + name + ": stack overflow");
        } finally {
            hook.stop();
            current = null;
        }
    }

    /** redis.call and redis.pcall of the running script. */
    byte[] call(Request request) {
        ScriptRun run = current;
        if (run == null) {
            throw new LuaError("redis.call outside a script");
        }
        return host.call(run, request);
    }

    /** Whether a script runs past busy-reply-threshold (others get -BUSY). */
    public boolean busy() {
        return hook.busy();
    }

    /**
     * SCRIPT KILL, from any thread: null when the script will stop (its client gets an error),
     * else the error to answer.
     */
    public String kill() {
        ScriptRun run = current;
        if (run == null || !hook.running()) {
            return ScriptErrors.NOTBUSY;
        }
        if (run.wrote()) {
            return ScriptErrors.UNKILLABLE;
        }
        hook.kill();
        return null;
    }
}
