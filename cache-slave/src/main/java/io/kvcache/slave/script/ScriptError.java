package io.kvcache.slave.script;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;

/**
 * An error a script raised through kvcache's own functions ({@code error}, {@code redis.call},
 * the sandbox's guards), carrying the value Lua 5.1 would raise. LuaJ stamps the line of the
 * script where it passed ({@code fileline}) on the way out; Lua 5.1's {@code error(msg, level)}
 * prefixes a string message with that position, so the prefix is added when the value is read.
 */
class ScriptError extends LuaError {

    private final LuaValue value;
    private final boolean positioned;

    /**
     * @param value      what the script raised: a string, a table (an error reply's {@code {err=...}}), any value
     * @param positioned whether a string value gets the script position in front (level 1, as Lua's error)
     */
    ScriptError(LuaValue value, boolean positioned) {
        super(value);
        this.value = value;
        this.positioned = positioned && value.isstring();
    }

    /** The value as a script's pcall sees it: a string with the position in front, or the value itself. */
    LuaValue value() {
        if (positioned && fileline != null && LuaErrors.lineOf(fileline) > 0) {
            String source = fileline.startsWith("@") ? fileline.substring(1) : fileline;
            return LuaValue.valueOf(source + ": " + value.tojstring());
        }
        if (positioned && fallbackLine > 0) {
            return LuaValue.valueOf(fallbackChunk.substring(1) + ":" + fallbackLine + ": " + value.tojstring());
        }
        return value;
    }

    /** The script's line the error came from, or 0 when it did not pass through the script. */
    int line() {
        int line = LuaErrors.lineOf(fileline);
        return line > 0 ? line : fallbackLine;
    }

    /** Where the script was when LuaJ stamped no line (a tail-called function raised it). */
    private int fallbackLine;
    private String fallbackChunk = LuaErrors.CHUNK_NAME;

    void fallback(String chunk, int line) {
        this.fallbackChunk = chunk;
        this.fallbackLine = line;
    }
}
