package io.kvcache.slave.script;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

import io.kvcache.protocol.RedisNumbers;

/**
 * The {@code cjson} library Redis bundles (lua_cjson 2.1), with its defaults: numbers printed with
 * 14 significant digits, '/' escaped, an empty table encoded as an object, a table whose keys are
 * 1..n (holes allowed unless excessively sparse) as an array, {@code cjson.null} for JSON's null,
 * nesting up to 1000 deep both ways. An object's members come in the order the table yields them,
 * which Lua does not define (Redis's order may differ for the same table).
 */
final class CjsonLib {

    /** cjson.null: a value of its own, equal only to itself (a NULL lightuserdata in Redis). */
    static final LuaValue NULL = new LuaUserdata(new Object());
    private static final int MAX_DEPTH = 1000;
    private static final int SPARSE_RATIO = 2;
    private static final int SPARSE_SAFE = 10;

    private CjsonLib() {
    }

    static LuaTable create() {
        LuaTable cjson = new LuaTable();
        cjson.set("encode", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1) {
                    throw new ScriptError(valueOf("bad argument #1 to 'encode' (expected 1 argument)"), true);
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                encode(args.arg1(), out, 0);
                return LuaString.valueOf(out.toByteArray());
            }
        });
        cjson.set("decode", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1) {
                    throw new ScriptError(valueOf("bad argument #1 to 'decode' (expected 1 argument)"), true);
                }
                return new Decoder(RedisLib.bytes(args.checkstring(1))).document();
            }
        });
        cjson.set("null", NULL);
        cjson.set("_NAME", "cjson");
        cjson.set("_VERSION", "2.1.0");
        return cjson;
    }

    private static void encode(LuaValue v, ByteArrayOutputStream out, int depth) {
        switch (v.type()) {
            case LuaValue.TSTRING -> string(v.checkstring(), out);
            case LuaValue.TNUMBER -> number(v.todouble(), out);
            case LuaValue.TBOOLEAN -> ascii(v.toboolean() ? "true" : "false", out);
            case LuaValue.TNIL -> ascii("null", out);
            case LuaValue.TTABLE -> {
                if (depth + 1 > MAX_DEPTH) {
                    throw fail("Cannot serialise, excessive nesting (" + (depth + 1) + ")");
                }
                LuaTable t = (LuaTable) v;
                int length = arrayLength(t);
                if (length > 0) {
                    out.write('[');
                    for (int i = 1; i <= length; i++) {
                        if (i > 1) {
                            out.write(',');
                        }
                        encode(t.rawget(i), out, depth + 1);
                    }
                    out.write(']');
                } else {
                    object(t, out, depth);
                }
            }
            default -> {
                if (v == NULL) {
                    ascii("null", out);
                } else {
                    throw fail("Cannot serialise " + v.typename() + ": type not supported");
                }
            }
        }
    }

    /** lua_array_length: the largest key when every key is a positive integer, 0 for an object (or an empty table). */
    private static int arrayLength(LuaTable t) {
        int max = 0;
        int items = 0;
        for (LuaValue k : t.keys()) {
            if (k.type() != LuaValue.TNUMBER) {
                return 0;
            }
            double d = k.todouble();
            if (d != Math.floor(d) || d < 1 || d > Integer.MAX_VALUE) {
                return 0;
            }
            max = Math.max(max, (int) d);
            items++;
        }
        if (max > SPARSE_SAFE && max > items * SPARSE_RATIO) {
            throw fail("Cannot serialise table: excessively sparse array");
        }
        return max;
    }

    private static void object(LuaTable t, ByteArrayOutputStream out, int depth) {
        out.write('{');
        boolean first = true;
        for (LuaValue k : t.keys()) {
            if (!first) {
                out.write(',');
            }
            first = false;
            if (k.type() == LuaValue.TNUMBER) {
                out.write('"');
                number(k.todouble(), out);
                out.write('"');
            } else if (k.type() == LuaValue.TSTRING) {
                string(k.checkstring(), out);
            } else {
                throw fail("Cannot serialise " + k.typename() + ": table key must be a number or string");
            }
            out.write(':');
            encode(t.rawget(k), out, depth + 1);
        }
        out.write('}');
    }

    private static void number(double d, ByteArrayOutputStream out) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw fail("Cannot serialise number: must not be NaN or Inf");
        }
        ascii(RedisNumbers.formatG(d, 14), out);
    }

    private static void string(LuaString s, ByteArrayOutputStream out) {
        out.write('"');
        for (int i = 0; i < s.m_length; i++) {
            int b = s.m_bytes[s.m_offset + i] & 0xff;
            switch (b) {
                case '"' -> ascii("\\\"", out);
                case '\\' -> ascii("\\\\", out);
                case '/' -> ascii("\\/", out);
                case '\b' -> ascii("\\b", out);
                case '\f' -> ascii("\\f", out);
                case '\n' -> ascii("\\n", out);
                case '\r' -> ascii("\\r", out);
                case '\t' -> ascii("\\t", out);
                default -> {
                    if (b < 0x20 || b == 0x7f) {
                        ascii(String.format("\\u%04x", b), out);
                    } else {
                        out.write(b);
                    }
                }
            }
        }
        out.write('"');
    }

    private static void ascii(String s, ByteArrayOutputStream out) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static ScriptError fail(String message) {
        return new ScriptError(LuaValue.valueOf(message), true);
    }

    /** json_decode: one JSON value, then only whitespace. */
    private static final class Decoder {

        private final byte[] s;
        private int pos;

        Decoder(byte[] s) {
            this.s = s;
        }

        LuaValue document() {
            LuaValue v = value(0);
            skipSpace();
            if (pos < s.length) {
                throw expected("the end", pos);
            }
            return v;
        }

        private LuaValue value(int depth) {
            skipSpace();
            if (pos >= s.length) {
                throw expected("value", pos);
            }
            int start = pos;
            byte c = s[pos];
            switch (c) {
                case '{' -> {
                    return object(depth + 1);
                }
                case '[' -> {
                    return array(depth + 1);
                }
                case '"' -> {
                    return LuaString.valueOf(string());
                }
                case 't' -> {
                    return literal("true", LuaValue.TRUE, start);
                }
                case 'f' -> {
                    return literal("false", LuaValue.FALSE, start);
                }
                case 'n' -> {
                    return literal("null", NULL, start);
                }
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw expected("value", start);
                }
            }
        }

        private LuaValue object(int depth) {
            checkDepth(depth);
            pos++;
            LuaTable t = new LuaTable();
            skipSpace();
            if (pos < s.length && s[pos] == '}') {
                pos++;
                return t;
            }
            while (true) {
                skipSpace();
                if (pos >= s.length || s[pos] != '"') {
                    throw expected("object key string", pos);
                }
                LuaString key = LuaString.valueOf(string());
                skipSpace();
                if (pos >= s.length || s[pos] != ':') {
                    throw expected("colon", pos);
                }
                pos++;
                t.rawset(key, value(depth));
                if (closes('}', "comma or object end")) {
                    return t;
                }
            }
        }

        private LuaValue array(int depth) {
            checkDepth(depth);
            pos++;
            LuaTable t = new LuaTable();
            skipSpace();
            if (pos < s.length && s[pos] == ']') {
                pos++;
                return t;
            }
            for (int i = 1; ; i++) {
                t.rawset(i, value(depth));
                if (closes(']', "comma or array end")) {
                    return t;
                }
            }
        }

        /** After a member: a comma (false: another follows) or the closing bracket (true), else the error. */
        private boolean closes(char close, String expected) {
            skipSpace();
            if (pos < s.length && (s[pos] == ',' || s[pos] == close)) {
                return s[pos++] == close;
            }
            throw expected(expected, pos);
        }

        private void checkDepth(int depth) {
            if (depth > MAX_DEPTH) {
                throw fail("Found too many nested data structures (" + depth + ") at character " + (pos + 1));
            }
        }

        private byte[] string() {
            int start = pos;
            pos++;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                if (pos >= s.length) {
                    throw invalid(start); // an unterminated string is an invalid token
                }
                byte c = s[pos++];
                if (c == '"') {
                    return out.toByteArray();
                }
                if (c != '\\') {
                    out.write(c);
                    continue;
                }
                if (pos >= s.length) {
                    throw invalid(start);
                }
                byte e = s[pos++];
                switch (e) {
                    case '"', '\\', '/' -> out.write(e);
                    case 'b' -> out.write('\b');
                    case 'f' -> out.write('\f');
                    case 'n' -> out.write('\n');
                    case 'r' -> out.write('\r');
                    case 't' -> out.write('\t');
                    case 'u' -> unicode(out, start);
                    default -> throw invalid(start);
                }
            }
        }

        private ScriptError invalid(int at) {
            return fail("Expected value but found invalid token at character " + (at + 1));
        }

        /** A \\uXXXX escape (and its low surrogate) as UTF-8. */
        private void unicode(ByteArrayOutputStream out, int start) {
            int cp = hex4(start);
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (pos + 1 < s.length && s[pos] == '\\' && s[pos + 1] == 'u') {
                    pos += 2;
                    int low = hex4(start);
                    if (low < 0xdc00 || low > 0xdfff) {
                        throw invalid(start);
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                } else {
                    throw invalid(start);
                }
            }
            out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        }

        private int hex4(int start) {
            if (pos + 4 > s.length) {
                throw invalid(start);
            }
            int v = 0;
            for (int i = 0; i < 4; i++) {
                int d = Character.digit(s[pos++], 16);
                if (d < 0) {
                    throw invalid(start);
                }
                v = v * 16 + d;
            }
            return v;
        }

        private LuaValue number() {
            int start = pos;
            if (s[pos] == '-') {
                pos++;
            }
            while (pos < s.length && (Character.isDigit(s[pos]) || s[pos] == '.' || s[pos] == 'e' || s[pos] == 'E'
                    || s[pos] == '+' || s[pos] == '-')) {
                pos++;
            }
            try {
                return LuaValue.valueOf(Double.parseDouble(new String(s, start, pos - start, StandardCharsets.US_ASCII)));
            } catch (NumberFormatException e) {
                throw invalid(start);
            }
        }

        private LuaValue literal(String word, LuaValue value, int start) {
            if (!startsWith(pos, word)) {
                throw fail("Expected value but found invalid token at character " + (start + 1));
            }
            pos += word.length();
            return value;
        }

        private void skipSpace() {
            while (pos < s.length && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) {
                pos++;
            }
        }

        /** json_throw_parse_error's wording: what was expected, and the token found at that character. */
        private ScriptError expected(String what, int at) {
            return fail("Expected " + what + " but found " + token(at) + " at character " + (at + 1));
        }

        /** json_next_token's name for the token starting at at. */
        private String token(int at) {
            if (at >= s.length) {
                return "T_END";
            }
            return switch (s[at]) {
                case '{' -> "T_OBJ_BEGIN";
                case '}' -> "T_OBJ_END";
                case '[' -> "T_ARR_BEGIN";
                case ']' -> "T_ARR_END";
                case ':' -> "T_COLON";
                case ',' -> "T_COMMA";
                case '"' -> "T_STRING";
                case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> "T_NUMBER";
                default -> startsWith(at, "true") || startsWith(at, "false") ? "T_BOOLEAN"
                        : startsWith(at, "null") ? "T_NULL" : "invalid token";
            };
        }

        private boolean startsWith(int at, String word) {
            byte[] w = word.getBytes(StandardCharsets.US_ASCII);
            return at + w.length <= s.length && java.util.Arrays.equals(s, at, at + w.length, w, 0, w.length);
        }
    }
}
