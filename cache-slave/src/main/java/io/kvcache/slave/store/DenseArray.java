package io.kvcache.slave.store;

import java.util.Arrays;

/**
 * Entries in an array with O(1) add, swap-remove and uniform random pick; each entry remembers
 * its own index. Walking it from the end down is a SCAN that survives removals (see Keyspace).
 */
final class DenseArray {

    private final boolean volatileIndex;
    private Entry[] entries = new Entry[16];
    private int size;

    DenseArray(boolean volatileIndex) {
        this.volatileIndex = volatileIndex;
    }

    void add(Entry e) {
        if (size == entries.length) {
            entries = Arrays.copyOf(entries, size * 2);
        }
        setIndex(e, size);
        entries[size++] = e;
    }

    void remove(Entry e) {
        int i = index(e);
        Entry last = entries[--size];
        entries[i] = last;
        setIndex(last, i);
        entries[size] = null;
        setIndex(e, -1);
        if (entries.length > 64 && size < entries.length / 4) {
            entries = Arrays.copyOf(entries, entries.length / 2);
        }
    }

    Entry get(int i) {
        return entries[i];
    }

    int size() {
        return size;
    }

    /** Slots allocated (what the array takes on the heap). */
    int capacity() {
        return entries.length;
    }

    void clear() {
        entries = new Entry[16];
        size = 0;
    }

    private int index(Entry e) {
        return volatileIndex ? e.volatileSlot : e.slot;
    }

    private void setIndex(Entry e, int i) {
        if (volatileIndex) {
            e.volatileSlot = i;
        } else {
            e.slot = i;
        }
    }
}
