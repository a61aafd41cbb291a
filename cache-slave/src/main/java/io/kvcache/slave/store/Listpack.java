package io.kvcache.slave.store;

import java.util.ArrayList;
import java.util.List;

import io.kvcache.protocol.RedisNumbers;

/**
 * Reads Redis's compact encodings found in DUMP payloads: a listpack (listpack.c: total bytes and
 * element count, then each element's encoding, data and back-length, an 0xFF end) and an intset
 * (intset.c: width, count, little-endian integers). Integers come back as their decimal strings,
 * as Redis hands them out.
 */
final class Listpack {

    private Listpack() {
    }

    static List<byte[]> elements(byte[] lp) {
        if (lp.length < 7) {
            throw new RdbValue.BadFormat();
        }
        long total = LittleEndian.u32(lp, 0);
        if (total != lp.length || (lp[lp.length - 1] & 0xff) != 0xff) {
            throw new RdbValue.BadFormat();
        }
        List<byte[]> out = new ArrayList<>();
        int p = 6;
        while ((lp[p] & 0xff) != 0xff) {
            int enc = lp[p] & 0xff;
            int start = p;
            if ((enc & 0x80) == 0) {
                out.add(RedisNumbers.toBytes(enc & 0x7f));
                p += 1;
            } else if ((enc & 0xc0) == 0x80) {
                int len = enc & 0x3f;
                out.add(java.util.Arrays.copyOfRange(lp, p + 1, p + 1 + len));
                p += 1 + len;
            } else if ((enc & 0xe0) == 0xc0) {
                int v = ((enc & 0x1f) << 8) | (lp[p + 1] & 0xff);
                out.add(RedisNumbers.toBytes(v >= 1 << 12 ? v - (1 << 13) : v));
                p += 2;
            } else if ((enc & 0xf0) == 0xe0) {
                int len = ((enc & 0x0f) << 8) | (lp[p + 1] & 0xff);
                out.add(java.util.Arrays.copyOfRange(lp, p + 2, p + 2 + len));
                p += 2 + len;
            } else {
                switch (enc) {
                    case 0xf0 -> {
                        int len = (int) LittleEndian.u32(lp, p + 1);
                        out.add(java.util.Arrays.copyOfRange(lp, p + 5, p + 5 + len));
                        p += 5 + len;
                    }
                    case 0xf1 -> {
                        out.add(RedisNumbers.toBytes((short) LittleEndian.read(lp, p + 1, 2)));
                        p += 3;
                    }
                    case 0xf2 -> {
                        out.add(RedisNumbers.toBytes(((int) LittleEndian.read(lp, p + 1, 3) << 8) >> 8));
                        p += 4;
                    }
                    case 0xf3 -> {
                        out.add(RedisNumbers.toBytes((int) LittleEndian.read(lp, p + 1, 4)));
                        p += 5;
                    }
                    case 0xf4 -> {
                        out.add(RedisNumbers.toBytes(LittleEndian.read(lp, p + 1, 8)));
                        p += 9;
                    }
                    default -> throw new RdbValue.BadFormat();
                }
            }
            p += backlenSize(p - start);
            if (p >= lp.length) {
                throw new RdbValue.BadFormat();
            }
        }
        if (p != lp.length - 1) {
            throw new RdbValue.BadFormat();
        }
        return out;
    }

    /** The members of an intset, as decimal strings. */
    static List<byte[]> intset(byte[] is) {
        if (is.length < 8) {
            throw new RdbValue.BadFormat();
        }
        int width = (int) LittleEndian.u32(is, 0);
        long count = LittleEndian.u32(is, 4);
        if (width != 2 && width != 4 && width != 8 || 8 + count * width != is.length) {
            throw new RdbValue.BadFormat();
        }
        List<byte[]> out = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            long v = LittleEndian.read(is, 8 + i * width, width);
            out.add(RedisNumbers.toBytes(width == 2 ? (short) v : width == 4 ? (int) v : v));
        }
        return out;
    }

    /** lpEncodeBacklen's size for an entry of len bytes. */
    private static int backlenSize(int len) {
        return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
    }



}
