package io.kvcache.cluster;

/**
 * Redis Cluster's hash slot of a key (cluster.c keyHashSlot): CRC16 (XMODEM) of the key, or of its
 * {hash tag}, modulo 16384. kvcache routes by its own ring; this is what CLUSTER KEYSLOT answers and
 * what cluster-mode clients compute.
 */
public final class KeySlot {

    public static final int SLOTS = 16384;

    private KeySlot() {
    }

    public static int of(byte[] key) {
        int open = -1;
        for (int i = 0; i < key.length; i++) {
            if (key[i] == '{') {
                open = i;
                break;
            }
        }
        if (open >= 0) {
            for (int close = open + 1; close < key.length; close++) {
                if (key[close] == '}') {
                    if (close > open + 1) {
                        return crc16(key, open + 1, close) & (SLOTS - 1);
                    }
                    break;
                }
            }
        }
        return crc16(key, 0, key.length) & (SLOTS - 1);
    }

    /** CRC-16/XMODEM: polynomial 0x1021, initial value 0, as Redis's crc16.c. */
    static int crc16(byte[] b, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= (b[i] & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return crc & 0xffff;
    }
}
