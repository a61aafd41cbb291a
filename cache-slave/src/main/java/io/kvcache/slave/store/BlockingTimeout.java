package io.kvcache.slave.store;

import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.LongDouble;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;

/**
 * A blocking command's timeout in seconds, as Redis 7.0's getTimeoutFromObjectOrReply reads it: a
 * long double (string2ld), times 1000 in long double, cast to long long; 0 waits for ever. The
 * arithmetic is x86_64's, quirks included: "-0.001" is a hair above -1 ms and waits for ever,
 * "1e300" casts to LLONG_MIN and is "negative".
 */
final class BlockingTimeout {

    private static final ErrorReply NOT_A_FLOAT = new ErrorReply("ERR timeout is not a float or out of range");
    private static final ErrorReply NEGATIVE = new ErrorReply("ERR timeout is negative");
    private static final ErrorReply OUT_OF_RANGE = new ErrorReply("ERR timeout is out of range");

    private BlockingTimeout() {
    }

    /** @return milliseconds to wait, 0 for ever */
    static long millis(Request r, int i, long nowMillis) {
        LongDouble seconds;
        try {
            seconds = LongDouble.parse(r.arg(i));
        } catch (RedisNumbers.NotANumber e) {
            throw NOT_A_FLOAT;
        }
        long millis = seconds.multiply(1000).toLongTruncated();
        if (millis < 0) {
            throw NEGATIVE;
        }
        if (millis > 0 && millis > Long.MAX_VALUE - nowMillis) {
            throw OUT_OF_RANGE;
        }
        return millis;
    }
}
