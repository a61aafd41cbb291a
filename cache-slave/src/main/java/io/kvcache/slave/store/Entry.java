package io.kvcache.slave.store;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A stored key with its value and deadline, chained in its {@link EntryTable} bucket (one object
 * per key, as a Redis dictEntry).
 * <p>
 * Hash flooding: the hash is SipHash-1-2 under a 128-bit key drawn from SecureRandom when the
 * process starts, as Redis seeds its dict hash, so a client cannot choose keys that collide: their
 * hashes are unpredictable. (A multiply-and-rotate hash seeded only at its start is not enough: it
 * has collisions that hold for every seed, see HashFloodingTests.) Entries stay
 * {@code Comparable<Entry>}, consistently with equals, for whoever sorts them.
 */
final class Entry implements Comparable<Entry> {

    static final long NO_EXPIRY = -1;

    private static final long K0;
    private static final long K1;

    static {
        SecureRandom random = new SecureRandom();
        K0 = random.nextLong();
        K1 = random.nextLong();
    }

    final byte[] key;
    /** {@link #hash(byte[])} of the key. */
    final int hash;
    /** The next entry of its {@link EntryTable} bucket. */
    Entry next;

    /** The value; null only in a probe. */
    Value value;
    /**
     * {@link Footprint#value} of a string value, kept so that overwriting it does not read the old
     * value (one memory access less per SET); -1 for a list, whose footprint changes as it does.
     */
    int stringFootprint = -1;
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

    Entry(byte[] key, Value value) {
        this(key, hash(key), value);
    }

    /** @param hash {@link #hash(byte[])} of key, already computed */
    Entry(byte[] key, int hash, Value value) {
        this.key = key;
        this.hash = hash;
        this.value = value;
    }

    static Entry probe(byte[] key) {
        return new Entry(key, null);
    }

    boolean hasExpiry() {
        return expireAt != NO_EXPIRY;
    }

    String typeName() {
        return switch (value) {
            case StringValue s -> "string";
            case QuickList l -> "list";
            case HashValue h -> "hash";
            case SetValue s -> "set";
            case ZSetValue z -> "zset";
        };
    }

    /** The keyed hash of a key, folded to the 32 bits a HashMap uses. */
    static int hash(byte[] b) {
        long h = SipHash.hash12(K0, K1, b);
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
