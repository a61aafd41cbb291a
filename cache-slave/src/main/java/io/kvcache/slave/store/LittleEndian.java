package io.kvcache.slave.store;

import java.io.ByteArrayOutputStream;

/** Little-endian integers of 1 to 8 bytes, as Redis's on-disk and in-value formats store them. */
final class LittleEndian {

    private LittleEndian() {
    }

    static long read(byte[] b, int at, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }

    static long u32(byte[] b, int at) {
        return read(b, at, 4) & 0xffffffffL;
    }

    static void put(byte[] b, int at, long v, int n) {
        for (int i = 0; i < n; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    static void write(ByteArrayOutputStream out, long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }
}
