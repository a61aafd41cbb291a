package io.kvcache.slave.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A stored key with its value and deadline. The entry is its own map key (one object per key
 * instead of two); lookups probe with a value-less entry.
 * <p>
 * Hash flooding: the hash is seeded per process (Redis seeds SipHash the same way), so keys
 * crafted to collide on one machine do not collide on another; and entries are
 * {@code Comparable<Entry>}, so a HashMap bin that still fills up becomes a balanced tree,
 * not a long chain.
 */
final class Entry implements Comparable<Entry> {

    static final long NO_EXPIRY = -1;

    private static final long SEED = ThreadLocalRandom.current().nextLong() | 1;
    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    final byte[] key;
    private final int hash;

    /** A byte[] (a string) or a {@link QuickList} (a list); null only in a probe. */
    Object value;
    /** Absolute Unix time in milliseconds, or NO_EXPIRY. */
    long expireAt = NO_EXPIRY;
    /** Position in the keyspace's dense array of all keys (for RANDOMKEY and SCAN). */
    int slot = -1;
    /** Position in the dense array of keys with a deadline (for active expiry), or -1. */
    int volatileSlot = -1;
    /** The generation of the last snapshot that has sent this key (see Keyspace#beginSnapshot). */
    int snapshotMark;
    /** Redis's 24-bit LRU clock or LFU stamp of the last access ({@link AccessClock}); fills padding, costs no byte. */
    int access;

    Entry(byte[] key, Object value) {
        this.key = key;
        this.hash = hash(key);
        this.value = value;
    }

    static Entry probe(byte[] key) {
        return new Entry(key, null);
    }

    boolean hasExpiry() {
        return expireAt != NO_EXPIRY;
    }

    String typeName() {
        return value instanceof byte[] ? "string" : "list";
    }

    /** A 64-bit multiply-mix over 8-byte words, finished with SplitMix64's avalanche. */
    static int hash(byte[] b) {
        long h = SEED ^ (b.length * 0x9E3779B97F4A7C15L);
        int i = 0;
        for (; i + 8 <= b.length; i += 8) {
            h = Long.rotateLeft(h ^ ((long) LONGS.get(b, i) * 0xC2B2AE3D27D4EB4FL), 31) * 0x9E3779B97F4A7C15L;
        }
        long tail = 0;
        for (int shift = 0; i < b.length; i++, shift += 8) {
            tail |= (b[i] & 0xffL) << shift;
        }
        h ^= tail * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && e.hash == hash && Arrays.equals(e.key, key);
    }

    @Override
    public int compareTo(Entry o) {
        return Arrays.compareUnsigned(key, o.key);
    }
}
