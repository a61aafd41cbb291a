package io.kvcache.slave.script;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvcache.command.ConnectionCommands;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;

/**
 * The {@code redis} table scripts see (script_lua.c luaRegisterRedisAPI): call and pcall run a
 * command through the {@link ScriptHost}, the rest are Redis's helpers and constants.
 */
final class RedisLib {

    private static final Logger log = LoggerFactory.getLogger("io.kvcache.slave.script.user_script");
    private static final String ARGUMENT_TYPES = "Lua redis lib command arguments must be strings or integers";
    private static final String NO_ARGUMENTS = "Please specify at least one argument for this redis lib call";

    private RedisLib() {
    }

    /** The table, calling commands through runs' current host. */
    static LuaTable create(ScriptEngine engine) {
        LuaTable redis = constantsAndHelpers();
        redis.set("call", new Call(engine, true));
        redis.set("pcall", new Call(engine, false));
        return redis;
    }

    /** Everything in the table but call and pcall (a function library sees this much while it loads). */
    static LuaTable constantsAndHelpers() {
        LuaTable redis = new LuaTable();
        redis.set("error_reply", new Reply(LuaErrors.ERR, true));
        redis.set("status_reply", new Reply(LuaReplies.OK, false));
        redis.set("sha1hex", new Sha1Hex());
        redis.set("log", new Log());
        redis.set("setresp", new SetResp());
        redis.set("set_repl", new Constant(LuaValue.NIL)); // effects are always replicated, as a unit
        redis.set("replicate_commands", new Constant(LuaValue.TRUE));
        redis.set("breakpoint", new Constant(LuaValue.FALSE));
        redis.set("debug", new Constant(LuaValue.NIL));
        redis.set("REDIS_VERSION", ConnectionCommands.REDIS_VERSION);
        redis.set("REDIS_VERSION_NUM", versionNumber(ConnectionCommands.REDIS_VERSION));
        redis.set("LOG_DEBUG", 0);
        redis.set("LOG_VERBOSE", 1);
        redis.set("LOG_NOTICE", 2);
        redis.set("LOG_WARNING", 3);
        redis.set("REPL_NONE", 0);
        redis.set("REPL_AOF", 1);
        redis.set("REPL_SLAVE", 2);
        redis.set("REPL_REPLICA", 2);
        redis.set("REPL_ALL", 3);
        return redis;
    }

    /** "7.0.15" as 0x00070f: major, minor and patch a byte each. */
    private static int versionNumber(String version) {
        String[] parts = version.split("\\.");
        return Integer.parseInt(parts[0]) << 16 | Integer.parseInt(parts[1]) << 8 | Integer.parseInt(parts[2]);
    }

    /** The lower-case hex SHA1 of bytes (Redis's sha1hex, EVALSHA's names). */
    static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Lua string's bytes, uncopied when they fill its array. */
    static byte[] bytes(LuaString s) {
        if (s.m_offset == 0 && s.m_length == s.m_bytes.length) {
            return s.m_bytes;
        }
        byte[] copy = new byte[s.m_length];
        System.arraycopy(s.m_bytes, s.m_offset, copy, 0, s.m_length);
        return copy;
    }

    /** redis.call raises an error reply, redis.pcall returns it as {@code {err=...}}. */
    private static final class Call extends VarArgFunction {

        private final ScriptEngine engine;
        private final boolean raise;

        Call(ScriptEngine engine, boolean raise) {
            this.engine = engine;
            this.raise = raise;
        }

        @Override
        public Varargs invoke(Varargs args) {
            int n = args.narg();
            if (n == 0) {
                return failed(LuaErrors.errorTable(LuaErrors.errorField(NO_ARGUMENTS)));
            }
            byte[][] argv = new byte[n][];
            for (int i = 0; i < n; i++) {
                LuaValue a = args.arg(i + 1);
                if (a.type() == LuaValue.TNUMBER) {
                    // lua_tolstring would print %.14g and lose digits: Redis prints %.17g
                    argv[i] = RedisNumbers.formatG17(a.todouble()).getBytes(StandardCharsets.US_ASCII);
                } else if (a.type() == LuaValue.TSTRING) {
                    argv[i] = bytes(a.checkstring());
                } else {
                    return failed(LuaErrors.errorTable(LuaErrors.errorField(ARGUMENT_TYPES)));
                }
            }
            byte[] reply = engine.call(new Request(argv));
            LuaValue value = LuaReplies.toLua(reply);
            return LuaReplies.isError(reply) ? failed(value) : value;
        }

        private LuaValue failed(LuaValue errorTable) {
            if (raise) {
                throw new ScriptError(errorTable, false);
            }
            return errorTable;
        }
    }

    /** redis.error_reply(msg) and redis.status_reply(msg): the table the reply converts from. */
    private static final class Reply extends VarArgFunction {

        private final LuaValue field;
        private final boolean error;

        Reply(LuaValue field, boolean error) {
            this.field = field;
            this.error = error;
        }

        @Override
        public Varargs invoke(Varargs args) {
            if (args.narg() != 1 || !args.arg1().isstring()) {
                return LuaErrors.errorTable("ERR wrong number or type of arguments"); // returned, not raised
            }
            String text = args.arg1().tojstring();
            LuaTable t = new LuaTable();
            t.rawset(field, LuaValue.valueOf(error ? LuaErrors.errorField(text.startsWith("-") ? text : "-" + text) : text));
            return t;
        }
    }

    private static final class Sha1Hex extends VarArgFunction {
        @Override
        public Varargs invoke(Varargs args) {
            if (args.narg() != 1) {
                throw new ScriptError(LuaValue.valueOf("wrong number of arguments"), true);
            }
            LuaValue a = args.arg1();
            byte[] bytes = a.isstring() ? bytes(a.checkstring()) : new byte[0];
            return LuaValue.valueOf(sha1(bytes));
        }
    }

    /** redis.log(level, message ...): into the slave's log, under the user_script logger. */
    private static final class Log extends VarArgFunction {
        @Override
        public Varargs invoke(Varargs args) {
            if (args.narg() < 2) {
                throw new ScriptError(LuaValue.valueOf("redis.log() requires two arguments or more."), true);
            }
            if (!args.arg1().isnumber()) {
                throw new ScriptError(LuaValue.valueOf("First argument must be a number"), true);
            }
            int level = args.arg1().toint();
            if (level < 0 || level > 3) {
                throw new ScriptError(LuaValue.valueOf("Invalid debug level."), true);
            }
            StringBuilder message = new StringBuilder();
            for (int i = 2; i <= args.narg(); i++) {
                if (i > 2) {
                    message.append(' ');
                }
                message.append(args.arg(i).tojstring());
            }
            switch (level) {
                case 0, 1 -> log.debug("{}", message);
                case 2 -> log.info("{}", message);
                default -> log.warn("{}", message);
            }
            return LuaValue.NONE;
        }
    }

    /** redis.setresp(2|3): replies reach scripts in RESP2 shapes either way for now. */
    private static final class SetResp extends VarArgFunction {
        @Override
        public Varargs invoke(Varargs args) {
            if (args.narg() != 1) {
                throw new ScriptError(LuaValue.valueOf("redis.setresp() requires one argument."), true);
            }
            int resp = args.arg1().optint(0);
            if (resp != 2 && resp != 3) {
                throw new ScriptError(LuaValue.valueOf("RESP version must be 2 or 3."), true);
            }
            return LuaValue.NONE;
        }
    }

    private static final class Constant extends VarArgFunction {

        private final LuaValue value;

        Constant(LuaValue value) {
            this.value = value;
        }

        @Override
        public Varargs invoke(Varargs args) {
            return value;
        }
    }
}
