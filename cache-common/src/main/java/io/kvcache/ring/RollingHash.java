package io.kvcache.ring;

import java.util.Objects;

/**
 * The ring's 64-bit hash: a polynomial rolling hash mod the Mersenne prime 2^61 - 1,
 * followed by SplitMix64's avalanche finalizer.
 */
final class RollingHash {

    /** 2^61 - 1. Because 2^61 ≡ 1 (mod M), reduction is shifts, masks and adds: no division, no BigInteger. */
    static final long MODULUS = (1L << 61) - 1;

    /** Polynomial base. */
    static final long BASE = 31;

    private RollingHash() {
    }

    /** mix(polynomial(bytes)): the hash of every byte of {@code bytes}. */
    static long hash(byte[] bytes) {
        return hash(bytes, 0, bytes.length);
    }

    /** mix(polynomial(bytes[from..to))): the hash of the bytes in {@code [from, to)}. */
    static long hash(byte[] bytes, int from, int to) {
        return mix(polynomial(bytes, from, to));
    }

    /**
     * The raw polynomial {@code h = (h * 31 + b) mod (2^61 - 1)} over the unsigned byte values of
     * {@code bytes[from..to)}, starting from h = 0; the result is in [0, 2^61 - 1).
     */
    static long polynomial(byte[] bytes, int from, int to) {
        Objects.checkFromToIndex(from, to, bytes.length);
        long h = 0;
        for (int i = from; i < to; i++) {
            // & 0xFF: Java bytes are signed, the spec hashes the byte value 0..255.
            h = mulAddMod(h, BASE, bytes[i] & 0xFF);
        }
        return h;
    }

    /** (a * b + c) mod (2^61 - 1), for a, b, c in [0, 2^61 - 1). */
    static long mulAddMod(long a, long b, long c) {
        // a * b < 2^122, so take the full 128-bit product hi:lo. Both factors are non-negative,
        // so the signed high word equals the unsigned one.
        long lo = a * b;
        long hi = Math.multiplyHigh(a, b);
        // product = hi * 2^64 + lo = (hi * 2^3 + (lo >>> 61)) * 2^61 + (lo & M)
        //         ≡ (hi << 3 | lo >>> 61) + (lo & M)   (mod M), since 2^61 ≡ 1.
        // hi < 2^58, so both terms and c are below 2^61 and their sum is below 2^63: no overflow.
        long r = ((hi << 3) | (lo >>> 61)) + (lo & MODULUS) + c;
        r = (r & MODULUS) + (r >>> 61); // the same fold once more: r <= M + 2
        return r >= MODULUS ? r - MODULUS : r;
    }

    /**
     * SplitMix64's finalizer, a bijection on 64-bit values with full avalanche. Without it, keys that
     * differ only in their last byte would have polynomial hashes a few units apart and land on the
     * same arc of the ring (see docs/ring.md).
     */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
