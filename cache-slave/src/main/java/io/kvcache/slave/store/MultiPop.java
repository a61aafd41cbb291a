package io.kvcache.slave.store;



import io.kvcache.command.Arguments;
import io.kvcache.protocol.RedisNumbers;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespErrors;

/**
 * The arguments LMPOP and ZMPOP share (and BLMPOP, BZMPOP after their timeout): numkeys, the keys,
 * which end (LEFT|RIGHT, MIN|MAX), then COUNT n once; parsed as lmpopGenericCommand and
 * zmpopGenericCommand do, errors in their order.
 *
 * @param first LEFT or MIN
 */
record MultiPop(int numkeysAt, int numkeys, boolean first, long count) {

    /** The argument index of key k (0-based). */
    int keyAt(int k) {
        return numkeysAt + 1 + k;
    }

    static MultiPop parse(Request r, int numkeysAt, String firstEnd, String lastEnd) {
        long numkeys = Arguments.rangeLong(r, numkeysAt, 1, Long.MAX_VALUE, RespErrors.NUMKEYS_NOT_POSITIVE);
        if (numkeys >= r.argc() - numkeysAt - 1) { // where_idx = numkeys_idx + numkeys + 1 >= argc
            throw Arguments.SYNTAX;
        }
        int whereAt = numkeysAt + (int) numkeys + 1;
        boolean first;
        if (r.is(whereAt, firstEnd)) {
            first = true;
        } else if (r.is(whereAt, lastEnd)) {
            first = false;
        } else {
            throw Arguments.SYNTAX;
        }
        long count = -1;
        for (int j = whereAt + 1; j < r.argc(); j++) {
            if (count == -1 && r.is(j, "count") && j < r.argc() - 1) {
                count = Arguments.rangeLong(r, ++j, 1, Long.MAX_VALUE, RespErrors.COUNT_NOT_POSITIVE);
            } else {
                throw Arguments.SYNTAX;
            }
        }
        return new MultiPop(numkeysAt, (int) numkeys, first, count == -1 ? 1 : count);
    }

}
