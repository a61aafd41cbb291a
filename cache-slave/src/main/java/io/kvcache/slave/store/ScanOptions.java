package io.kvcache.slave.store;

import io.kvcache.command.Arguments;
import io.kvcache.protocol.Request;

/** scanGenericCommand's options for a key's elements (HSCAN, SSCAN): COUNT and MATCH, no TYPE. */
final class ScanOptions {

    private ScanOptions() {
    }

    /**
     * Checks the options from argument from on, as Redis does once the key is found.
     *
     * @return MATCH's pattern, or null when there is none (or it is "*", which matches everything)
     */
    static byte[] pattern(Request r, int from) {
        byte[] pattern = null;
        for (int i = from; i < r.argc(); ) {
            int remaining = r.argc() - i;
            if (r.is(i, "count") && remaining >= 2) {
                if (Arguments.longArg(r, i + 1) < 1) {
                    throw Arguments.SYNTAX;
                }
                i += 2;
            } else if (r.is(i, "match") && remaining >= 2) {
                byte[] p = r.arg(i + 1);
                pattern = p.length == 1 && p[0] == '*' ? null : p;
                i += 2;
            } else {
                throw Arguments.SYNTAX;
            }
        }
        return pattern;
    }
}
