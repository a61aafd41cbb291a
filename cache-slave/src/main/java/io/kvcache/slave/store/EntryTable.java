package io.kvcache.slave.store;

import java.util.Arrays;

/**
 * The keyspace's hash table, chained through the entries themselves as Redis's dict chains its
 * dictEntries: no node object per key. A lookup reads the bucket, the entry and its key bytes:
 * one dependent memory access fewer than a {@code HashMap<Entry, Entry>} (whose node sits between
 * bucket and entry), and 24 bytes less per key (a 32-byte node against one more reference in the
 * entry). The table doubles past a load of 0.75, as HashMap's does; the hash is the entry's SipHash,
 * which a client cannot steer into one bucket (see {@link Entry}).
 */
final class EntryTable {

    private static final int MIN_CAPACITY = 1024;

    private Entry[] buckets = new Entry[MIN_CAPACITY];
    private int size;
    /** Scratch of {@link #prefetch}. */
    private Entry[] heads = new Entry[64];

    /** The live entry holding key (whose {@link Entry#hash} is hash), or null. */
    Entry get(byte[] key, int hash) {
        for (Entry e = buckets[hash & (buckets.length - 1)]; e != null; e = e.next) {
            if (e.hash == hash && Arrays.equals(e.key, key)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Reads the bucket and the first entry (with its key's header) of each of n hashes, and the
     * entry's value where values[i] says the command reads it (INCR parses it; a SET only replaces
     * it), in passes whose loads do not depend on one another, so that the CPU overlaps their cache
     * misses instead of taking them one lookup after another (Redis 8's memory_prefetch does this
     * for a batch of commands). The lookups that follow find them cached.
     *
     * @return a value computed from the loads, so that the compiler keeps them
     */
    int prefetch(int[] hashes, boolean[] values, int n) {
        Entry[] table = buckets;
        int mask = table.length - 1;
        if (heads.length < n) {
            heads = new Entry[n];
        }
        Entry[] h = heads;
        for (int i = 0; i < n; i++) {
            h[i] = table[hashes[i] & mask];
        }
        int sum = 0;
        for (int i = 0; i < n; i++) {
            Entry e = h[i];
            if (e != null) {
                sum += e.key.length;
                h[i] = values[i] ? e : null;
            }
        }
        for (int i = 0; i < n; i++) {
            Entry e = h[i];
            if (e != null) {
                sum += switch (e.value) { // the value's header, and a string's bytes' header
                    case StringValue.Int counter -> 0; // no bytes to reach
                    case StringValue s -> s.bytes().length;
                    case QuickList list -> list.size();
                    case HashValue hash -> hash.size();
                    case SetValue set -> set.size();
                    case ZSetValue zset -> zset.size();
                };
                h[i] = null;
            }
        }
        return sum;
    }

    /** Adds an entry whose key is known to be absent. */
    void add(Entry e) {
        if (size >= buckets.length - (buckets.length >>> 2)) {
            resize(buckets.length << 1);
        }
        int i = e.hash & (buckets.length - 1);
        e.next = buckets[i];
        buckets[i] = e;
        size++;
    }

    /** Removes the entry (this very object); false when it is not in the table. */
    boolean remove(Entry e) {
        int i = e.hash & (buckets.length - 1);
        Entry prev = null;
        for (Entry x = buckets[i]; x != null; prev = x, x = x.next) {
            if (x == e) {
                if (prev == null) {
                    buckets[i] = x.next;
                } else {
                    prev.next = x.next;
                }
                x.next = null;
                size--;
                return true;
            }
        }
        return false;
    }

    int size() {
        return size;
    }

    /** The number of buckets (the table's references, for memory accounting). */
    int capacity() {
        return buckets.length;
    }

    void clear() {
        buckets = new Entry[MIN_CAPACITY];
        size = 0;
    }

    private void resize(int capacity) {
        Entry[] old = buckets;
        Entry[] next = new Entry[capacity];
        int mask = capacity - 1;
        for (Entry head : old) {
            Entry e = head;
            while (e != null) {
                Entry following = e.next;
                int i = e.hash & mask;
                e.next = next[i];
                next[i] = e;
                e = following;
            }
        }
        buckets = next;
    }
}
