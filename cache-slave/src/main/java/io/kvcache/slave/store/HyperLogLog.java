package io.kvcache.slave.store;

import java.util.Arrays;

/**
 * A HyperLogLog as Redis 7.0 keeps it inside a string value (hyperloglog.c), byte for byte, so that
 * GET, DUMP, SETRANGE and replication see what Redis's would: a 16-byte header ("HYLL", the
 * encoding, 3 unused bytes, the cached cardinality in 8 little-endian bytes whose top bit marks it
 * stale), then 16,384 registers of 6 bits, either dense (12,288 bytes) or sparse (ZERO, XZERO and
 * VAL run-length opcodes, at most hll-sparse-max-bytes, 3,000, before it turns dense for good).
 * Elements hash with MurmurHash64A (seed 0xadc83b19); the cardinality is Otmar Ertl's estimator
 * over the register histogram, as Redis computes it.
 * <p>
 * One instance edits a copy of a value during one command; {@link #bytes()} is the result.
 */
final class HyperLogLog {

    static final int P = 14;
    static final int Q = 64 - P;
    static final int REGISTERS = 1 << P;
    private static final int REGISTER_MAX = 63;
    static final int HEADER = 16;
    static final int DENSE_SIZE = HEADER + (REGISTERS * 6 + 7) / 8;
    private static final int DENSE = 0;
    private static final int SPARSE = 1;
    /** Redis's hll-sparse-max-bytes default. */
    private static final int SPARSE_MAX_BYTES = 3000;
    private static final int SPARSE_VAL_MAX_VALUE = 32;
    private static final int SPARSE_VAL_MAX_LEN = 4;
    private static final int SPARSE_ZERO_MAX_LEN = 64;
    private static final int SPARSE_XZERO_MAX_LEN = 16384;
    private static final double ALPHA_INF = 0.721347520444481703680;

    private byte[] buf;
    private int len;

    private HyperLogLog(byte[] bytes, int extra) {
        this.buf = Arrays.copyOf(bytes, bytes.length + extra);
        this.len = bytes.length;
    }

    /** createHLLObject: sparse, every register 0 (one XZERO of 16,384). */
    static HyperLogLog empty() {
        byte[] b = new byte[HEADER + 2];
        b[0] = 'H';
        b[1] = 'Y';
        b[2] = 'L';
        b[3] = 'L';
        b[4] = SPARSE;
        xzero(b, HEADER, REGISTERS);
        return new HyperLogLog(b, 8);
    }

    /** A copy of a value already checked by {@link #isValid}, to edit. */
    static HyperLogLog of(byte[] value) {
        return new HyperLogLog(value, 8);
    }

    /** isHLLObjectOrReply's checks of a string value. */
    static boolean isValid(byte[] v) {
        if (v.length < HEADER || v[0] != 'H' || v[1] != 'Y' || v[2] != 'L' || v[3] != 'L') {
            return false;
        }
        int encoding = v[4] & 0xff;
        return encoding == SPARSE || encoding == DENSE && v.length == DENSE_SIZE;
    }

    static boolean isDense(byte[] v) {
        return v[4] == DENSE;
    }

    byte[] bytes() {
        return Arrays.copyOf(buf, len);
    }

    boolean isDense() {
        return buf[4] == DENSE;
    }

    /** hllAdd: 1 when a register grew, 0 when none did, -1 for a corrupt sparse value. */
    int add(byte[] element) {
        long hash = murmurHash64A(element, 0xadc83b19L);
        int index = (int) (hash & (REGISTERS - 1));
        hash >>>= P;
        hash |= 1L << Q;
        int count = 1;
        for (long bit = 1; (hash & bit) == 0; bit <<= 1) {
            count++;
        }
        return set(index, count);
    }

    /** Raises register index to count if it is lower: 1 when it did, 0 when not, -1 when corrupt. */
    int set(int index, int count) {
        return isDense() ? denseSet(index, count) : sparseSet(index, count);
    }

    void invalidateCache() {
        buf[15] |= (byte) 0x80;
    }

    boolean isCacheValid() {
        return (buf[15] & 0x80) == 0;
    }

    long cachedCardinality() {
        return LittleEndian.read(buf, 8, 8);
    }

    void cacheCardinality(long card) {
        LittleEndian.put(buf, 8, card, 8);
    }

    /** The register histogram (hllDenseRegHisto, hllSparseRegHisto); null when the sparse form is corrupt. */
    int[] histogram() {
        int[] histo = new int[64];
        if (isDense()) {
            for (int j = 0; j < REGISTERS; j++) {
                histo[denseGet(j)]++;
            }
            return histo;
        }
        int idx = 0;
        for (int p = HEADER; p < len; ) {
            int op = buf[p] & 0xff;
            if (isZero(op)) {
                idx += zeroLen(op);
                histo[0] += zeroLen(op);
                p++;
            } else if (isXzero(op)) {
                int run = xzeroLen(p);
                idx += run;
                histo[0] += run;
                p += 2;
            } else {
                idx += valLen(op);
                histo[valValue(op)] += valLen(op);
                p++;
            }
        }
        return idx == REGISTERS ? histo : null;
    }

    /** hllMerge: max[i] = MAX(max[i], register i); false when the sparse form is corrupt. */
    boolean mergeInto(byte[] max) {
        if (isDense()) {
            for (int i = 0; i < REGISTERS; i++) {
                int v = denseGet(i);
                if (v > max[i]) {
                    max[i] = (byte) v;
                }
            }
            return true;
        }
        int i = 0;
        for (int p = HEADER; p < len; ) {
            int op = buf[p] & 0xff;
            if (isZero(op)) {
                i += zeroLen(op);
                p++;
            } else if (isXzero(op)) {
                i += xzeroLen(p);
                p += 2;
            } else {
                int run = valLen(op);
                int value = valValue(op);
                if (run + i > REGISTERS) {
                    break;
                }
                for (; run > 0; run--, i++) {
                    if (value > max[i]) {
                        max[i] = (byte) value;
                    }
                }
                p++;
            }
        }
        return i == REGISTERS;
    }

    /** hllCount's estimate from a register histogram (Ertl, arXiv:1702.01284). */
    static long cardinality(int[] histo) {
        double m = REGISTERS;
        double z = m * tau((m - histo[Q + 1]) / m);
        for (int j = Q; j >= 1; --j) {
            z += histo[j];
            z *= 0.5;
        }
        z += m * sigma(histo[0] / m);
        return Math.round(ALPHA_INF * m * m / z);
    }

    /** The histogram of raw 8-bit registers (PFCOUNT of several keys merges into those). */
    static int[] rawHistogram(byte[] registers) {
        int[] histo = new int[64];
        for (byte r : registers) {
            histo[r]++;
        }
        return histo;
    }

    /** hllSparseToDense; false when the sparse form is corrupt (nothing changes then). */
    boolean toDense() {
        if (isDense()) {
            return true;
        }
        HyperLogLog dense = new HyperLogLog(new byte[DENSE_SIZE], 1);
        System.arraycopy(buf, 0, dense.buf, 0, HEADER);
        dense.buf[4] = DENSE;
        int idx = 0;
        for (int p = HEADER; p < len; ) {
            int op = buf[p] & 0xff;
            if (isZero(op)) {
                idx += zeroLen(op);
                p++;
            } else if (isXzero(op)) {
                idx += xzeroLen(p);
                p += 2;
            } else {
                int run = valLen(op);
                int value = valValue(op);
                if (run + idx > REGISTERS) {
                    break;
                }
                for (; run > 0; run--) {
                    dense.denseSetRegister(idx++, value);
                }
                p++;
            }
        }
        if (idx != REGISTERS) {
            return false;
        }
        buf = dense.buf;
        len = DENSE_SIZE;
        return true;
    }

    // ---- dense ---------------------------------------------------------------------------------

    private int denseSet(int index, int count) {
        if (count > denseGet(index)) {
            denseSetRegister(index, count);
            return 1;
        }
        return 0;
    }

    /** HLL_DENSE_GET_REGISTER: the byte past the last register reads as sds's terminating 0. */
    private int denseGet(int regnum) {
        int at = HEADER + regnum * 6 / 8;
        int fb = regnum * 6 & 7;
        int b0 = buf[at] & 0xff;
        int b1 = at + 1 < len ? buf[at + 1] & 0xff : 0;
        return ((b0 >>> fb) | (b1 << (8 - fb))) & REGISTER_MAX;
    }

    private void denseSetRegister(int regnum, int value) {
        int at = HEADER + regnum * 6 / 8;
        int fb = regnum * 6 & 7;
        int fb8 = 8 - fb;
        buf[at] = (byte) ((buf[at] & ~(REGISTER_MAX << fb)) | (value << fb));
        if (at + 1 < len) {
            buf[at + 1] = (byte) ((buf[at + 1] & ~(REGISTER_MAX >>> fb8)) | (value >>> fb8));
        }
    }

    // ---- sparse --------------------------------------------------------------------------------

    /** hllSparseSet, step for step: find the opcode, split it, merge adjacent VALs, or turn dense. */
    private int sparseSet(int index, int count) {
        if (count > SPARSE_VAL_MAX_VALUE) {
            return promote(index, count);
        }
        if (buf.length < len + 3) {
            buf = Arrays.copyOf(buf, Math.max(len + 3, buf.length * 2));
        }
        int end = len;
        int p = HEADER;
        int first = 0;
        int prev = -1;
        int span = 0;
        while (p < end) {
            int op = buf[p] & 0xff;
            int oplen = 1;
            if (isZero(op)) {
                span = zeroLen(op);
            } else if (isVal(op)) {
                span = valLen(op);
            } else {
                span = xzeroLen(p);
                oplen = 2;
            }
            if (index <= first + span - 1) {
                break;
            }
            prev = p;
            p += oplen;
            first += span;
        }
        if (span == 0 || p >= end) {
            return -1;
        }
        int op = buf[p] & 0xff;
        boolean xzero = isXzero(op);
        boolean zero = isZero(op);
        boolean val = isVal(op);
        int next = xzero ? p + 2 : p + 1;
        if (next >= end) {
            next = -1;
        }
        int runlen = zero ? zeroLen(op) : xzero ? xzeroLen(p) : valLen(op);
        if (val) {
            if (valValue(op) >= count) {
                return 0;
            }
            if (runlen == 1) {
                buf[p] = valOpcode(count, 1);
                return merged(prev, end);
            }
        }
        if (zero && runlen == 1) {
            buf[p] = valOpcode(count, 1);
            return merged(prev, end);
        }
        byte[] seq = new byte[5];
        int n = 0;
        int last = first + span - 1;
        if (zero || xzero) {
            if (index != first) {
                n = zeros(seq, n, index - first);
            }
            seq[n++] = valOpcode(count, 1);
            if (index != last) {
                n = zeros(seq, n, last - index);
            }
        } else {
            int current = valValue(op);
            if (index != first) {
                seq[n++] = valOpcode(current, index - first);
            }
            seq[n++] = valOpcode(count, 1);
            if (index != last) {
                seq[n++] = valOpcode(current, last - index);
            }
        }
        int delta = n - (xzero ? 2 : 1);
        if (delta > 0 && len + delta > SPARSE_MAX_BYTES) {
            return promote(index, count);
        }
        if (delta != 0 && next >= 0) {
            System.arraycopy(buf, next, buf, next + delta, end - next);
        }
        len += delta;
        System.arraycopy(seq, 0, buf, p, n);
        end += delta;
        return merged(prev, end);
    }

    /** Step 4 of hllSparseSet: merge adjacent VALs of one value, scanning up to 5 opcodes from prev. */
    private int merged(int prev, int end) {
        int p = prev >= 0 ? prev : HEADER;
        int scan = 5;
        while (p < end && scan-- > 0) {
            int op = buf[p] & 0xff;
            if (isXzero(op)) {
                p += 2;
                continue;
            }
            if (isZero(op)) {
                p++;
                continue;
            }
            if (p + 1 < end && isVal(buf[p + 1] & 0xff)) {
                int v1 = valValue(op);
                int v2 = valValue(buf[p + 1] & 0xff);
                if (v1 == v2) {
                    int run = valLen(op) + valLen(buf[p + 1] & 0xff);
                    if (run <= SPARSE_VAL_MAX_LEN) {
                        buf[p + 1] = valOpcode(v1, run);
                        System.arraycopy(buf, p + 1, buf, p, end - p - 1);
                        len--;
                        end--;
                        continue;
                    }
                }
            }
            p++;
        }
        invalidateCache();
        return 1;
    }

    private int promote(int index, int count) {
        if (!toDense()) {
            return -1;
        }
        return denseSet(index, count);
    }

    private static int zeros(byte[] seq, int n, int run) {
        if (run > SPARSE_ZERO_MAX_LEN) {
            xzero(seq, n, run);
            return n + 2;
        }
        seq[n] = (byte) (run - 1);
        return n + 1;
    }

    private static void xzero(byte[] b, int at, int run) {
        int l = run - 1;
        b[at] = (byte) ((l >>> 8) | 0x40);
        b[at + 1] = (byte) (l & 0xff);
    }

    private static byte valOpcode(int value, int run) {
        return (byte) (((value - 1) << 2 | (run - 1)) | 0x80);
    }

    private static boolean isZero(int op) {
        return (op & 0xc0) == 0;
    }

    private static boolean isXzero(int op) {
        return (op & 0xc0) == 0x40;
    }

    private static boolean isVal(int op) {
        return (op & 0x80) != 0;
    }

    private static int zeroLen(int op) {
        return (op & 0x3f) + 1;
    }

    private int xzeroLen(int p) {
        return (((buf[p] & 0x3f) << 8) | (p + 1 < buf.length ? buf[p + 1] & 0xff : 0)) + 1;
    }

    private static int valValue(int op) {
        return ((op >>> 2) & 0x1f) + 1;
    }

    private static int valLen(int op) {
        return (op & 0x3) + 1;
    }

    // ---- estimator and hash ----------------------------------------------------------------------

    private static double sigma(double x) {
        if (x == 1.0) {
            return Double.POSITIVE_INFINITY;
        }
        double zPrime;
        double y = 1;
        double z = x;
        do {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    private static double tau(double x) {
        if (x == 0.0 || x == 1.0) {
            return 0.0;
        }
        double zPrime;
        double y = 1.0;
        double z = 1 - x;
        do {
            x = Math.sqrt(x);
            zPrime = z;
            y *= 0.5;
            z -= (1 - x) * (1 - x) * y;
        } while (zPrime != z);
        return z / 3;
    }

    /** MurmurHash64A, reading 8-byte words little-endian as Redis does on every architecture. */
    static long murmurHash64A(byte[] key, long seed) {
        final long m = 0xc6a4a7935bd1e995L;
        final int r = 47;
        int len = key.length;
        long h = seed ^ (len * m);
        int end = len - (len & 7);
        for (int i = 0; i < end; i += 8) {
            long k = LittleEndian.read(key, i, 8);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        int rest = len & 7;
        if (rest > 0) {
            for (int b = rest - 1; b >= 0; b--) {
                h ^= (key[end + b] & 0xffL) << (8 * b);
            }
            h *= m;
        }
        h ^= h >>> r;
        h *= m;
        h ^= h >>> r;
        return h;
    }
}
