package io.kvcache.slave.script;

import static io.kvcache.command.Commands.EVAL;
import static io.kvcache.command.Commands.EVALSHA;
import static io.kvcache.command.Commands.EVALSHA_RO;
import static io.kvcache.command.Commands.EVAL_RO;
import static io.kvcache.command.Commands.SCRIPT;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.kvcache.command.CommandSpec;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;
import io.kvcache.protocol.RespWriter;

/**
 * EVAL, EVALSHA, their _RO forms and SCRIPT (Redis 7.0's eval.c): scripts run atomically under
 * the store's lock, their writes reach replicas as their effects, between MULTI and EXEC; a
 * script first cached here reaches replicas as SCRIPT LOAD, so that EVALSHA finds it after a
 * failover.
 */
public final class ScriptCommands {

    /** The commands that run a script (the dispatcher hands their batches to its script thread). */
    public static final Set<CommandSpec> RUN_SCRIPTS = Set.of(EVAL, EVALSHA, EVAL_RO, EVALSHA_RO,
            io.kvcache.command.Commands.FCALL, io.kvcache.command.Commands.FCALL_RO);

    private static final List<String> HELP = List.of(
            "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
            "HELP",
            "    Prints this help.");

    private final ScriptEngine engine;
    private final ScriptHost host;

    public ScriptCommands(ScriptEngine engine, ScriptHost host) {
        this.engine = engine;
        this.host = host;
        engine.host(host);
    }

    /** These commands, and FCALL, FCALL_RO and FUNCTION. */
    public static void register(ScriptEngine engine, ScriptHost host, Handlers h) {
        new ScriptCommands(engine, host).register(h);
        new FunctionCommands(engine, host).register(h);
    }

    public void register(Handlers h) {
        h.on(EVAL, (r, out, s) -> eval(r, out, s, false, false))
                .on(EVALSHA, (r, out, s) -> eval(r, out, s, true, false))
                .on(EVAL_RO, (r, out, s) -> eval(r, out, s, false, true))
                .on(EVALSHA_RO, (r, out, s) -> eval(r, out, s, true, true))
                .on(SCRIPT, this::script);
    }

    /** evalGenericCommand and scriptPrepareForRun. */
    private void eval(Request r, RespWriter out, Session s, boolean bySha, boolean readOnlyCommand) {
        int numkeys = numkeys(r, RespErrors.NOT_INTEGER);
        LuaScript script = bySha ? cached(r.text(1)) : load(r.arg(1));
        ScriptFlags flags = script.flags();
        boolean oom = host.outOfMemory();
        refuseStart(flags, readOnlyCommand, oom, host);
        ScriptRun run = new ScriptRun(s, readOnlyCommand || flags.noWrites(), oom, flags.allowOom());
        host.atomically(run, () -> engine.run(script, r.argv(), 3, numkeys, run, out));
    }

    /**
     * scriptPrepareForRun's refusals of a script that declared its flags (a shebang, or a function):
     * one that may write is refused by a *_RO command, where writes are refused, and (without
     * allow-oom) while memory is above maxmemory.
     */
    static void refuseStart(ScriptFlags flags, boolean readOnlyCommand, boolean oom, ScriptHost host) {
        if (!flags.shebang() || flags.noWrites()) {
            return;
        }
        if (readOnlyCommand) {
            throw new ErrorReply(ScriptErrors.RO_WITH_WRITE_FLAG);
        }
        String refusal = host.refuseWrites();
        if (refusal != null) {
            throw new ErrorReply(refusal);
        }
        if (oom && !flags.allowOom()) {
            throw new ErrorReply(RespErrors.OOM);
        }
    }

    /**
     * The numkeys of EVAL or FCALL (argument 2), checked as Redis checks it.
     *
     * @param notANumber the error when it is not an integer (EVAL's and FCALL's differ)
     */
    static int numkeys(Request r, String notANumber) {
        long numkeys;
        try {
            numkeys = RedisNumbers.parseLong(r.arg(2));
        } catch (RedisNumbers.NotANumber e) {
            throw new ErrorReply(notANumber);
        }
        if (numkeys > r.argc() - 3) {
            throw new ErrorReply(ScriptErrors.NUMKEYS_TOO_BIG);
        }
        if (numkeys < 0) {
            throw new ErrorReply(ScriptErrors.NUMKEYS_NEGATIVE);
        }
        return (int) numkeys;
    }

    private LuaScript cached(String sha) {
        LuaScript script = sha.length() == 40 ? engine.get(sha.toLowerCase(Locale.ROOT)) : null;
        if (script == null) {
            throw new ErrorReply(ScriptErrors.NOSCRIPT);
        }
        return script;
    }

    /** Compiles and caches body; the first time, replicas learn it too. */
    private LuaScript load(byte[] body) {
        int before = engine.size();
        LuaScript script = engine.load(body);
        if (engine.size() > before) { // newly cached
            host.propagate(new Request(new byte[][] {bytes("SCRIPT"), bytes("LOAD"), body}));
        }
        return script;
    }

    private void script(Request r, RespWriter out, Session s) {
        String sub = r.text(1).toLowerCase(Locale.ROOT);
        switch (sub) {
            case "load" -> {
                arity(r, sub, r.argc() == 3);
                out.bulk(load(r.arg(2)).sha());
            }
            case "exists" -> {
                arity(r, sub, r.argc() >= 3);
                out.array(r.argc() - 2);
                for (int i = 2; i < r.argc(); i++) {
                    out.integer(engine.exists(r.text(i).toLowerCase(Locale.ROOT)) ? 1 : 0);
                }
            }
            case "flush" -> {
                arity(r, sub, r.argc() <= 3);
                if (r.argc() == 3 && !r.is(2, "sync") && !r.is(2, "async")) {
                    throw new ErrorReply("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
                }
                engine.flush();
                host.propagate(Request.of("SCRIPT", "FLUSH"));
                out.ok();
            }
            case "kill" -> {
                arity(r, sub, r.argc() == 2);
                String refusal = engine.kill();
                if (refusal != null) {
                    throw new ErrorReply(refusal);
                }
                out.ok();
            }
            case "help" -> {
                arity(r, sub, r.argc() == 2);
                out.array(HELP.size());
                HELP.forEach(out::simple);
            }
            default -> throw new ErrorReply(String.format(RespErrors.UNKNOWN_SUBCOMMAND_FORMAT, r.text(1), "SCRIPT"));
        }
    }

    private static void arity(Request r, String sub, boolean ok) {
        if (!ok) {
            throw new ErrorReply(RespErrors.wrongArity("script|" + sub));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
