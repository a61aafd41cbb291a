package io.kvcache.command;

import io.kvcache.protocol.Ascii;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.RespErrors;

/** SCAN's cursor argument as Redis reads it (parseScanCursorOrReply: C's strtoul, unsigned). */
public final class ScanCursor {

    private ScanCursor() {
    }

    /** The cursor as an unsigned 64-bit value; "-1" wraps as strtoul does; "" is 0. */
    public static long parse(byte[] arg) {
        ErrorReply invalid = new ErrorReply(RespErrors.INVALID_CURSOR);
        if (arg.length > 0 && Ascii.isSpace(arg[0])) {
            throw invalid;
        }
        int i = 0;
        boolean negative = false;
        if (i < arg.length && (arg[i] == '+' || arg[i] == '-')) {
            negative = arg[i] == '-';
            i++;
        }
        long value = 0;
        int digits = 0;
        for (; i < arg.length; i++) {
            int d = arg[i] - '0';
            if (d < 0 || d > 9) {
                throw invalid;
            }
            if (Long.compareUnsigned(value, Long.divideUnsigned(-1L, 10)) > 0
                    || Long.compareUnsigned(value * 10 + d, value * 10) < 0) {
                throw invalid; // ERANGE
            }
            value = value * 10 + d;
            digits++;
        }
        if (digits == 0 && arg.length > 0) {
            throw invalid; // a lone sign: strtoul converts nothing and leaves it unparsed
        }
        return negative ? -value : value;
    }
}
