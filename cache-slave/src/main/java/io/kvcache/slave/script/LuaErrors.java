package io.kvcache.slave.script;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * Errors between Lua and Redis: the {@code {err=...}} tables of error replies, the value a
 * script's pcall receives (Redis's own pcall turns an error table into its message), and the
 * reply to a script that failed (script_lua.c luaCallFunction): the message, then
 * {@code script: <sha>, on @user_script:<line>.}.
 */
final class LuaErrors {

    /** The chunk name scripts compile under (Redis's "@user_script"); Lua shows it without the '@'. */
    static final String CHUNK_NAME = "@user_script";
    static final LuaValue ERR = LuaValue.valueOf("err");

    private LuaErrors() {
    }

    /** {@code {err=message}}, as luaPushError leaves it. */
    static LuaTable errorTable(String message) {
        LuaTable t = new LuaTable();
        t.rawset(ERR, LuaValue.valueOf(message));
        return t;
    }

    /**
     * luaPushErrorBuff: an error reply's text as the err field: "-CODE msg" loses its dash, a text
     * without one gets the generic ERR code, and trailing newlines go.
     */
    static String errorField(String text) {
        String code;
        String msg;
        if (text.startsWith("-")) {
            int space = text.indexOf(' ');
            if (space < 0) {
                code = "ERR";
                msg = text.substring(1);
            } else {
                code = text.substring(1, space);
                msg = text.substring(space + 1);
            }
        } else {
            code = "ERR";
            msg = text;
        }
        return code + " " + trimNewlines(msg);
    }

    /** What a script's pcall receives for an error: Redis's pcall turns {err=...} into its string. */
    static LuaValue caught(LuaError e) {
        LuaValue value = valueOf(e);
        if (value.istable()) {
            LuaValue err = value.get(ERR);
            if (err.isstring()) {
                return err;
            }
        }
        return value;
    }

    /** The value the error carries, as Lua 5.1 would have it. */
    static LuaValue valueOf(LuaError e) {
        if (e instanceof ScriptError raised) {
            return raised.value();
        }
        LuaValue object = e.getMessageObject();
        if (object != null && !object.isstring()) {
            return object;
        }
        // LuaJ's own runtime errors: "@user_script:3 attempt to ..." (plus an empty traceback line)
        String message = trimNewlines(String.valueOf(e.getMessage()));
        int space = message.indexOf(' ');
        InterruptHook hook = InterruptHook.current();
        if (lineOfMessage(message) > 0 && space > 0) {
            String text = message.substring(space + 1);
            return LuaValue.valueOf(message.substring(1, space) + ": " + (hook == null ? text : hook.lua51(text)));
        }
        if (hook != null && hook.position() != null && message.startsWith("attempt to ")) {
            // raised past the script's frame (a tail call): where the script was, as Lua says it
            return LuaValue.valueOf(hook.position() + ": " + hook.lua51(message));
        }
        return LuaValue.valueOf(message);
    }

    /** The line of the script an error passed, or 0. */
    static int lineOf(LuaError e) {
        if (e instanceof ScriptError raised) {
            return raised.line();
        }
        return lineOfMessage(String.valueOf(e.getMessage()));
    }

    /** The line of a LuaJ message that begins with a chunk's position ("@user_script:3 ..."), or 0. */
    private static int lineOfMessage(String message) {
        String chunk = message.startsWith(CHUNK_NAME + ":") ? CHUNK_NAME
                : message.startsWith(FunctionLibraries.CHUNK_NAME + ":") ? FunctionLibraries.CHUNK_NAME : null;
        if (chunk == null) {
            return 0;
        }
        int from = chunk.length() + 1;
        int to = from;
        while (to < message.length() && Character.isDigit(message.charAt(to))) {
            to++;
        }
        return to > from ? Integer.parseInt(message.substring(from, to)) : 0;
    }

    /** The line in LuaJ's "source:line" stamp, or 0. */
    static int lineOf(String fileline) {
        if (fileline == null) {
            return 0;
        }
        int colon = fileline.lastIndexOf(':');
        try {
            return colon < 0 ? 0 : Integer.parseInt(fileline.substring(colon + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The error reply of a script that failed with e (without the leading '-'): an error reply it
     * raised keeps its code; anything else is an ERR with Lua's message, as Redis's error handler
     * makes it ({@code 'ERR ' .. tostring(err)}).
     */
    static String reply(LuaError e, String name, String chunk, int currentLine) {
        if (e instanceof ScriptError raised) {
            raised.fallback(chunk, currentLine);
        }
        LuaValue value = valueOf(e);
        String message;
        if (value.istable() && value.get(ERR).isstring()) {
            message = value.get(ERR).tojstring();
        } else if (value.istable()) {
            message = "ERR unknown error";
        } else {
            message = "ERR " + (value.isnil() ? "nil" : value.tojstring());
        }
        int line = lineOf(e);
        if (line == 0) {
            line = currentLine;
        }
        if (line > 0) {
            message += " script: " + name + ", on " + chunk + ":" + line + ".";
        }
        return sanitize(message);
    }

    /** A failure's message without the script's position (FUNCTION LOAD: "Error registering functions: ..."). */
    static String message(LuaError e) {
        LuaValue value = valueOf(e);
        if (value.istable()) {
            LuaValue err = value.get(ERR);
            return err.isstring() ? err.tojstring() : "ERR unknown error";
        }
        return "ERR " + (value.isnil() ? "nil" : value.tojstring());
    }

    /** No CR or LF inside an error or status line (addReplyErrorFormat's sdsmapchars). */
    static String sanitize(String text) {
        return trimNewlines(text).replace('\r', ' ').replace('\n', ' ');
    }

    private static String trimNewlines(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        int start = 0;
        while (start < end && (text.charAt(start) == '\n' || text.charAt(start) == '\r')) {
            start++;
        }
        return text.substring(start, end);
    }
}
