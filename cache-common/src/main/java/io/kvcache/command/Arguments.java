package io.kvcache.command;

import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;

/**
 * Argument parsing as Redis's object.c get*FromObjectOrReply helpers, raising their exact
 * errors as {@link ErrorReply}.
 */
public final class Arguments {

    public static final ErrorReply NOT_INTEGER = new ErrorReply(RespErrors.NOT_INTEGER);
    public static final ErrorReply SYNTAX = new ErrorReply(RespErrors.SYNTAX);

    private Arguments() {
    }

    /** getLongLongFromObjectOrReply. */
    public static long longArg(Request r, int i) {
        return parse(r.arg(i), NOT_INTEGER);
    }

    /** getLongLongFromObjectOrReply with a message of the command's own. */
    public static long longArg(Request r, int i, String message) {
        return parse(r.arg(i), new ErrorReply(message));
    }

    /**
     * getRangeLongFromObjectOrReply: with a message, it is the error for bad syntax and for the
     * range alike; without, Redis's two default messages.
     */
    public static long rangeLong(Request r, int i, long min, long max, String message) {
        long v = message != null ? longArg(r, i, message) : longArg(r, i);
        if (v < min || v > max) {
            throw new ErrorReply(message != null ? message
                    : "ERR value is out of range, value must between " + min + " and " + max);
        }
        return v;
    }

    /** getPositiveLongFromObjectOrReply: even a non-integer gets the "must be positive" message. */
    public static long positiveLong(Request r, int i, String message) {
        return rangeLong(r, i, 0, Long.MAX_VALUE, message != null ? message : RespErrors.NOT_POSITIVE);
    }

    /** getListPositionFromObjectOrReply: LEFT (true) or RIGHT (false), any case; else a syntax error. */
    public static boolean listEnd(Request r, int i) {
        if (r.is(i, "left")) {
            return true;
        }
        if (r.is(i, "right")) {
            return false;
        }
        throw SYNTAX;
    }

    private static long parse(byte[] arg, ErrorReply error) {
        try {
            return RedisNumbers.parseLong(arg);
        } catch (RedisNumbers.NotANumber e) {
            throw error;
        }
    }
}
