package io.kvcache.slave.store;

/**
 * What the store's objects take on the heap, as 64-bit HotSpot lays them out with compressed
 * oops (any heap under 32 GB): 12-byte object headers, 4-byte references, objects padded to 8
 * bytes. These are the sizes of the objects kvcache allocates for a key, not a sample of the
 * heap: the sum is Redis's used_memory for kvcache (docs/operations.md, "Memory").
 */
final class Footprint {

    /**
     * An {@link Entry}: header, key, hash, next, value, stringFootprint, expireAt, slot,
     * volatileSlot, snapshotMark, access (with compressed references). No map node: the entry is
     * chained in its bucket itself ({@link EntryTable}).
     */
    static final int ENTRY = 56;
    /** A {@link QuickList} without its array: header, elements, head, size, bytes, meter. */
    static final int QUICKLIST = 40;
    /** A {@link HashValue} (24) and its {@link ElementTable} (40), without the table's arrays. */
    static final int HASH = 24 + 40;
    /** A {@link SetValue} (24) and its {@link ElementTable} (40), without the table's arrays. */
    static final int SET = 24 + 40;
    /** A {@link ZSetValue} (24), its {@link ElementTable} (40), TreeSet (16) and TreeMap (48), without arrays and nodes. */
    static final int ZSET = 24 + 40 + 16 + 48;
    /** One member's place in a {@link ZSetValue}'s order: a TreeMap node (40) and its Scored key (24). */
    static final int ZSET_NODE = 64;
    /** A {@link StringValue} without its bytes: header and reference. */
    static final int STRING_VALUE = 16;

    private Footprint() {
    }

    /** A byte[] of n bytes. */
    static long bytes(int n) {
        return align(16L + n);
    }

    /** An int[] of n ints. */
    static long ints(int n) {
        return align(16L + 4L * n);
    }

    /** An array of n references (the map's table, the dense arrays, a list's ring buffer). */
    static long references(int n) {
        return align(16L + 4L * n);
    }

    /** What one key costs apart from its value: entry and key bytes. */
    static long key(byte[] key) {
        return ENTRY + bytes(key.length);
    }

    /** A value: a string with its bytes, or a collection's whole footprint. */
    static long value(Value value) {
        return switch (value) {
            case StringValue s -> STRING_VALUE + bytes(s.length());
            case QuickList list -> list.footprint();
            case HashValue hash -> hash.footprint();
            case SetValue set -> set.footprint();
            case ZSetValue zset -> zset.footprint();
        };
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }
}
