package io.kvcache.slave.script;

import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.RespWriter;

/**
 * Redis's conversions between RESP2 replies and Lua values (script_lua.c): a command's reply as
 * the value {@code redis.call} returns (redisProtocolToLuaType), and a script's return value as
 * its reply (luaReplyToRedisReply).
 */
final class LuaReplies {

    static final LuaValue OK = LuaValue.valueOf("ok");
    /** How deep a returned table may nest: a table holding itself must not take the stack. */
    private static final int MAX_DEPTH = 1000;

    private LuaReplies() {
    }

    /**
     * A reply as Lua sees it: an integer as a number, a bulk as a string, a null as false, a
     * status as {@code {ok=...}}, an error as {@code {err=...}}, an array as a table.
     */
    static LuaValue toLua(byte[] reply) {
        return new Parser(reply).next();
    }

    /** Whether the encoded reply is an error. */
    static boolean isError(byte[] reply) {
        return reply.length > 0 && reply[0] == '-';
    }

    /** A script's return value as its reply. */
    static void toReply(LuaValue value, RespWriter out) {
        write(value, out, 0);
    }

    private static void write(LuaValue value, RespWriter out, int depth) {
        switch (value.type()) {
            case LuaValue.TSTRING -> {
                LuaString s = value.checkstring();
                out.bulk(s.m_bytes, s.m_offset, s.m_length);
            }
            case LuaValue.TBOOLEAN -> {
                if (value.toboolean()) {
                    out.integer(1);
                } else {
                    out.nullBulk();
                }
            }
            case LuaValue.TNUMBER -> out.integer((long) value.todouble()); // (long long) in C: truncated
            case LuaValue.TTABLE -> {
                if (depth >= MAX_DEPTH) {
                    out.error("ERR reached lua stack limit");
                    return;
                }
                writeTable((LuaTable) value, out, depth);
            }
            default -> out.nullBulk();
        }
    }

    private static void writeTable(LuaTable t, RespWriter out, int depth) {
        LuaValue err = t.rawget(LuaErrors.ERR);
        if (err.isstring()) {
            out.error(LuaErrors.sanitize(err.tojstring()));
            return;
        }
        LuaValue ok = t.rawget(OK);
        if (ok.isstring()) {
            out.simple(LuaErrors.sanitize(ok.tojstring()));
            return;
        }
        int n = 0;
        while (!t.rawget(n + 1).isnil()) {
            n++;
        }
        out.array(n);
        for (int i = 1; i <= n; i++) {
            write(t.rawget(i), out, depth + 1);
        }
    }

    /** Reads one RESP2 reply after another from the bytes a command wrote. */
    private static final class Parser {

        private final byte[] b;
        private int pos;

        Parser(byte[] b) {
            this.b = b;
        }

        LuaValue next() {
            byte type = b[pos];
            int start = pos + 1;
            int end = lineEnd(start);
            pos = end + 2;
            return switch (type) {
                case ':' -> LuaValue.valueOf((double) RedisNumbers.parseLong(b, start, end));
                case '$' -> {
                    int length = (int) RedisNumbers.parseLong(b, start, end);
                    if (length < 0) {
                        yield LuaValue.FALSE;
                    }
                    byte[] bytes = java.util.Arrays.copyOfRange(b, pos, pos + length);
                    pos += length + 2;
                    yield LuaString.valueOf(bytes);
                }
                case '+' -> table(OK, LuaString.valueOf(java.util.Arrays.copyOfRange(b, start, end)));
                case '-' -> table(LuaErrors.ERR, LuaValue.valueOf(
                        LuaErrors.errorField("-" + new String(b, start, end - start, java.nio.charset.StandardCharsets.UTF_8))));
                case '*' -> {
                    int count = (int) RedisNumbers.parseLong(b, start, end);
                    if (count < 0) {
                        yield LuaValue.FALSE;
                    }
                    LuaTable t = new LuaTable(count, 0);
                    for (int i = 1; i <= count; i++) {
                        t.rawset(i, next());
                    }
                    yield t;
                }
                default -> throw new IllegalStateException("Not a RESP2 reply: " + (char) type);
            };
        }

        private int lineEnd(int from) {
            int i = from;
            while (b[i] != '\r') {
                i++;
            }
            return i;
        }

        private static LuaTable table(LuaValue key, LuaValue value) {
            LuaTable t = new LuaTable();
            t.rawset(key, value);
            return t;
        }
    }
}
