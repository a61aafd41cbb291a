package io.kvcache.slave.store;

import java.util.Arrays;

/**
 * The elements of a hash (fields with values) or of a set (members alone), in insertion order: an
 * element keeps its place when its value changes, and a deleted one leaves none, as in Redis's
 * listpack. Elements sit in dense arrays (a hole per deletion until the next compaction); an
 * open-addressing index of positions finds them once there are more than
 * {@value #LINEAR_MAX}, hashed with the keyspace's SipHash under the process's random key
 * ({@link Entry#hash}), so that a client cannot choose fields that collide. No object per element:
 * its bytes, one or two references and a few bytes of index, against a map node, a wrapper and a
 * table slot (96 bytes more per field) for a {@code LinkedHashMap}.
 * <p>
 * Not thread-safe: it lives under the store's lock.
 */
final class ElementTable {

    /** Up to this many elements, a lookup scans the arrays and there is no index (Redis's small encodings do too). */
    static final int LINEAR_MAX = 8;
    private static final int EMPTY = 0;
    private static final int DELETED = -1;

    private byte[][] keys = new byte[4][];
    /** Parallel to keys; null for a set. */
    private byte[][] values;
    /** Positions used, holes included. */
    private int end;
    private int size;
    /** Slot: 1 + the element's position, EMPTY or DELETED; null while end <= LINEAR_MAX. */
    private int[] index;
    /** The byte arrays' footprint ({@link Footprint#bytes}), kept as elements come and go. */
    private long elementBytes;

    ElementTable(boolean withValues) {
        if (withValues) {
            values = new byte[4][];
        }
    }

    int size() {
        return size;
    }

    /** Bytes this table takes with its elements, its own header excepted. */
    long footprint() {
        return Footprint.references(keys.length) + (values == null ? 0 : Footprint.references(values.length))
                + (index == null ? 0 : Footprint.ints(index.length)) + elementBytes;
    }

    /** The element's position, or -1. */
    int find(byte[] key) {
        if (index == null) {
            for (int i = 0; i < end; i++) {
                if (keys[i] != null && Arrays.equals(keys[i], key)) {
                    return i;
                }
            }
            return -1;
        }
        int mask = index.length - 1;
        for (int slot = Entry.hash(key) & mask; ; slot = (slot + 1) & mask) {
            int v = index[slot];
            if (v == EMPTY) {
                return -1;
            }
            if (v > 0 && Arrays.equals(keys[v - 1], key)) {
                return v - 1;
            }
        }
    }

    byte[] key(int position) {
        return keys[position];
    }

    byte[] value(int position) {
        return values[position];
    }

    /** The end of the positions to walk ({@link #key} is null at a hole). */
    int end() {
        return end;
    }

    /** Replaces the value at position. */
    void setValue(int position, byte[] value) {
        elementBytes += Footprint.bytes(value.length) - Footprint.bytes(values[position].length);
        values[position] = value;
    }

    /** Appends an element known to be absent. */
    void add(byte[] key, byte[] value) {
        if (end == keys.length) {
            if (end - size > 0 && end - size >= end / 4) {
                compact(); // holes are a quarter or more: close them instead of growing
            } else {
                grow(keys.length + (keys.length >> 1));
            }
        }
        keys[end] = key;
        elementBytes += Footprint.bytes(key.length);
        if (values != null) {
            values[end] = value;
            elementBytes += Footprint.bytes(value.length);
        }
        end++;
        size++;
        if (index != null) {
            if (4L * end > 3L * index.length) {
                rebuildIndex();
            } else {
                insertIntoIndex(end - 1);
            }
        } else if (end > LINEAR_MAX) {
            rebuildIndex();
        }
    }

    /** Removes the element at position. */
    void remove(int position) {
        elementBytes -= Footprint.bytes(keys[position].length);
        if (values != null) {
            elementBytes -= Footprint.bytes(values[position].length);
        }
        if (index != null) {
            int mask = index.length - 1;
            for (int slot = Entry.hash(keys[position]) & mask; ; slot = (slot + 1) & mask) {
                if (index[slot] == position + 1) {
                    index[slot] = DELETED;
                    break;
                }
            }
        }
        keys[position] = null;
        if (values != null) {
            values[position] = null;
        }
        size--;
        if (size == 0) {
            end = 0;
            index = null;
        } else if (end - size > size && end > LINEAR_MAX) {
            compact();
        }
    }

    private void grow(int capacity) {
        keys = Arrays.copyOf(keys, capacity);
        if (values != null) {
            values = Arrays.copyOf(values, capacity);
        }
    }

    /** Closes the holes, keeping the order, and shrinks what it can. */
    private void compact() {
        int to = 0;
        for (int from = 0; from < end; from++) {
            if (keys[from] != null) {
                keys[to] = keys[from];
                if (values != null) {
                    values[to] = values[from];
                }
                to++;
            }
        }
        Arrays.fill(keys, to, end, null);
        if (values != null) {
            Arrays.fill(values, to, end, null);
        }
        end = to;
        int capacity = Math.max(4, end + (end >> 1));
        if (capacity < keys.length) {
            grow(capacity);
        }
        if (end > LINEAR_MAX) {
            rebuildIndex();
        } else {
            index = null;
        }
    }

    private void rebuildIndex() {
        int needed = end + end / 3 + 1;
        int capacity = Math.max(16, Integer.highestOneBit(needed - 1) << 1); // a load of at most 3/4
        index = new int[capacity];
        for (int i = 0; i < end; i++) {
            if (keys[i] != null) {
                insertIntoIndex(i);
            }
        }
    }

    private void insertIntoIndex(int position) {
        int mask = index.length - 1;
        int slot = Entry.hash(keys[position]) & mask;
        while (index[slot] > 0) {
            slot = (slot + 1) & mask;
        }
        index[slot] = position + 1;
    }
}
