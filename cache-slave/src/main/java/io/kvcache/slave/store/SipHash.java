package io.kvcache.slave.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SipHash (Aumasson and Bernstein), the keyed hash Redis's dict uses against hash flooding
 * (siphash.c), with Redis's round counts: one compression round per 8-byte word, two finalization
 * rounds (SipHash-1-2). Without the 128-bit key, nobody can make keys collide on purpose: the
 * outputs of keys chosen in advance are unpredictable, unlike any multiply-and-rotate hash whose
 * seed is only its starting value (see HashFloodingTests for such a hash's seed-independent
 * collisions).
 */
final class SipHash {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The four state words; one short-lived object per hash, which the JIT keeps in registers. */
    private long v0;
    private long v1;
    private long v2;
    private long v3;

    private SipHash(long k0, long k1) {
        v0 = k0 ^ 0x736f6d6570736575L;
        v1 = k1 ^ 0x646f72616e646f6dL;
        v2 = k0 ^ 0x6c7967656e657261L;
        v3 = k1 ^ 0x7465646279746573L;
    }

    /**
     * SipHash-1-2 of the bytes under the key (k0, k1): the store's hot path (every lookup), so the
     * state lives in locals and the rounds are written out; {@link #hash} with (1, 2) gives the same.
     */
    static long hash12(long k0, long k1, byte[] b) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int n = b.length;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long m = (long) LONGS.get(b, i);
            v3 ^= m;
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            v0 ^= m;
        }
        long m = (long) n << 56;
        for (int shift = 0; i < n; i++, shift += 8) {
            m |= (b[i] & 0xffL) << shift;
        }
        v3 ^= m;
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        v0 ^= m;
        v2 ^= 0xff;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** SipHash-c-d; the reference is SipHash-2-4, whose published test vectors check this code. */
    static long hash(long k0, long k1, byte[] b, int compressionRounds, int finalizationRounds) {
        SipHash s = new SipHash(k0, k1);
        int n = b.length;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            s.compress((long) LONGS.get(b, i), compressionRounds);
        }
        long last = (long) n << 56;
        for (int shift = 0; i < n; i++, shift += 8) {
            last |= (b[i] & 0xffL) << shift;
        }
        s.compress(last, compressionRounds);
        s.v2 ^= 0xff;
        s.rounds(finalizationRounds);
        return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
    }

    private void compress(long m, int rounds) {
        v3 ^= m;
        rounds(rounds);
        v0 ^= m;
    }

    private void rounds(int count) {
        for (int r = 0; r < count; r++) {
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13);
            v1 ^= v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16);
            v3 ^= v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21);
            v3 ^= v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17);
            v1 ^= v2;
            v2 = Long.rotateLeft(v2, 32);
        }
    }
}
