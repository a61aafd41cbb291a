package io.kvcache.slave.store;

import static io.kvcache.command.Commands.LCS;

import io.kvcache.command.Arguments;
import io.kvcache.command.Handlers;
import io.kvcache.command.Session;
import io.kvcache.protocol.ErrorReply;
import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN], as Redis 7.0's lcsCommand: the
 * longest common subsequence of two strings (a missing key is the empty string) by the classic
 * dynamic-programming table, walked back from its end; IDX lists the matching ranges from the
 * last one, as Redis does. The table may take at most proto-max-bulk-len bytes, Redis's limit.
 */
final class LcsCommand {

    private static final ErrorReply NOT_STRINGS = new ErrorReply("ERR The specified keys must contain string values");
    private static final ErrorReply LEN_AND_IDX = new ErrorReply(
            "ERR If you want both the length and indexes, please just use IDX.");
    private static final ErrorReply TOO_BIG = new ErrorReply(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");

    private final Keyspace db;
    private final long protoMaxBulkLen;

    LcsCommand(Keyspace db, long protoMaxBulkLen) {
        this.db = db;
        this.protoMaxBulkLen = protoMaxBulkLen;
    }

    void register(Handlers h) {
        h.on(LCS, this::lcs);
    }

    private void lcs(Request r, RespWriter out, Session s) {
        Entry ea = db.lookupRead(r.arg(1));
        Entry eb = db.lookupRead(r.arg(2));
        if ((ea != null && !(ea.value instanceof StringValue)) || (eb != null && !(eb.value instanceof StringValue))) {
            throw NOT_STRINGS;
        }
        byte[] a = ea == null ? new byte[0] : Types.string(ea);
        byte[] b = eb == null ? new byte[0] : Types.string(eb);
        boolean getIdx = false;
        boolean getLen = false;
        boolean withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < r.argc(); j++) {
            boolean moreArgs = j < r.argc() - 1;
            if (r.is(j, "idx")) {
                getIdx = true;
            } else if (r.is(j, "len")) {
                getLen = true;
            } else if (r.is(j, "withmatchlen")) {
                withMatchLen = true;
            } else if (r.is(j, "minmatchlen") && moreArgs) {
                minMatchLen = Math.max(0, Arguments.longArg(r, ++j));
            } else {
                throw Arguments.SYNTAX;
            }
        }
        if (getIdx && getLen) {
            throw LEN_AND_IDX;
        }
        int alen = a.length;
        int blen = b.length;
        long cells = (long) (alen + 1) * (blen + 1);
        if (cells * Integer.BYTES > protoMaxBulkLen) {
            throw TOO_BIG;
        }
        int w = blen + 1;
        int[] lcs = new int[(int) cells];
        for (int i = 1; i <= alen; i++) {
            for (int j = 1; j <= blen; j++) {
                lcs[i * w + j] = a[i - 1] == b[j - 1] ? lcs[(i - 1) * w + j - 1] + 1
                        : Math.max(lcs[(i - 1) * w + j], lcs[i * w + j - 1]);
            }
        }
        int length = lcs[alen * w + blen];
        if (getLen) {
            out.integer(length);
            return;
        }
        byte[] result = new byte[length];
        RespWriter ranges = new RespWriter(64);
        int rangeCount = 0;
        int idx = length;
        int aStart = alen; // alen: no range open
        int aEnd = 0;
        int bStart = 0;
        int bEnd = 0;
        int i = alen;
        int j = blen;
        while (i > 0 && j > 0) {
            boolean emit = false;
            if (a[i - 1] == b[j - 1]) {
                result[idx - 1] = a[i - 1];
                if (aStart == alen) {
                    aStart = i - 1;
                    aEnd = i - 1;
                    bStart = j - 1;
                    bEnd = j - 1;
                } else if (aStart == i && bStart == j) {
                    aStart--;
                    bStart--;
                } else {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) {
                    emit = true;
                }
                idx--;
                i--;
                j--;
            } else {
                if (lcs[(i - 1) * w + j] > lcs[i * w + j - 1]) {
                    i--;
                } else {
                    j--;
                }
                if (aStart != alen) {
                    emit = true;
                }
            }
            int matchLen = aEnd - aStart + 1;
            if (emit) {
                if (getIdx && (minMatchLen == 0 || matchLen >= minMatchLen)) {
                    ranges.array(withMatchLen ? 3 : 2).array(2).integer(aStart).integer(aEnd)
                            .array(2).integer(bStart).integer(bEnd);
                    if (withMatchLen) {
                        ranges.integer(matchLen);
                    }
                    rangeCount++;
                }
                aStart = alen;
            }
        }
        if (getIdx) {
            out.array(4).bulk("matches").array(rangeCount).raw(ranges.toByteArray()).bulk("len").integer(length);
        } else {
            out.bulk(result);
        }
    }
}
