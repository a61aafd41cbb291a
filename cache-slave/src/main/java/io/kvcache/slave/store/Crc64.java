package io.kvcache.slave.store;

/** Redis's CRC-64 (crc64.c: Jones polynomial 0xad93d23594c935a9, reflected, initial 0, no final xor). */
final class Crc64 {

    private static final long POLY = 0x95ac9329ac4bc9b5L; // 0xad93d23594c935a9, bits reversed
    private static final long[] TABLE = new long[256];

    static {
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
            }
            TABLE[i] = crc;
        }
    }

    private Crc64() {
    }

    static long of(byte[] b) {
        return of(b, 0, b.length);
    }

    static long of(byte[] b, int from, int to) {
        long crc = 0;
        for (int i = from; i < to; i++) {
            crc = TABLE[(int) ((crc ^ b[i]) & 0xff)] ^ (crc >>> 8);
        }
        return crc;
    }
}
