package io.kvcache.slave.store;

import java.util.Arrays;

/**
 * A list value: a growable ring buffer of byte strings with O(1) pushes and pops at both ends
 * and O(1) access by index (LINDEX, LSET, LRANGE); inserting or removing inside moves the
 * shorter side, as a deque would.
 * <p>
 * It knows its own {@link Footprint} and, once stored in a keyspace, reports each change of it
 * to the keyspace's {@link UsedMemory}: lists change in place, under the keyspace's feet.
 */
final class QuickList implements Value {

    private byte[][] elements = new byte[8][];
    private int head;
    private int size;
    /** The footprint of the element arrays (not the ring buffer). */
    private long elementBytes;
    private UsedMemory meter;

    /** From now on, changes of this list's footprint are added to meter. */
    void meter(UsedMemory meter) {
        this.meter = meter;
    }

    /** Bytes this list takes: itself, its ring buffer and its elements. */
    long footprint() {
        return Footprint.QUICKLIST + Footprint.references(elements.length) + elementBytes;
    }

    private void changed(long footprintBefore) {
        if (meter != null) {
            meter.add(footprint() - footprintBefore);
        }
    }

    int size() {
        return size;
    }

    /** An independent list with the same elements (COPY); the element arrays are shared, never changed in place. */
    QuickList copy() {
        QuickList c = new QuickList();
        for (int i = 0; i < size; i++) {
            c.addLast(get(i));
        }
        return c;
    }

    boolean isEmpty() {
        return size == 0;
    }

    byte[] get(int index) {
        return elements[physical(index)];
    }

    void set(int index, byte[] value) {
        long before = footprint();
        int i = physical(index);
        elementBytes += Footprint.bytes(value.length) - Footprint.bytes(elements[i].length);
        elements[i] = value;
        changed(before);
    }

    void addFirst(byte[] value) {
        long before = footprint();
        grow();
        head = (head - 1) & (elements.length - 1);
        elements[head] = value;
        size++;
        elementBytes += Footprint.bytes(value.length);
        changed(before);
    }

    void addLast(byte[] value) {
        long before = footprint();
        grow();
        elements[physical(size)] = value;
        size++;
        elementBytes += Footprint.bytes(value.length);
        changed(before);
    }

    byte[] removeFirst() {
        long before = footprint();
        byte[] v = pollFirst();
        elementBytes -= Footprint.bytes(v.length);
        shrink();
        changed(before);
        return v;
    }

    byte[] removeLast() {
        long before = footprint();
        byte[] v = pollLast();
        elementBytes -= Footprint.bytes(v.length);
        shrink();
        changed(before);
        return v;
    }

    private byte[] pollFirst() {
        byte[] v = elements[head];
        elements[head] = null;
        head = (head + 1) & (elements.length - 1);
        size--;
        return v;
    }

    private byte[] pollLast() {
        int i = physical(size - 1);
        byte[] v = elements[i];
        elements[i] = null;
        size--;
        return v;
    }

    /** Inserts so that the new element has this index (0..size). */
    void insert(int index, byte[] value) {
        if (index == 0) {
            addFirst(value);
            return;
        }
        if (index == size) {
            addLast(value);
            return;
        }
        long before = footprint();
        grow();
        if (index < size / 2) {
            head = (head - 1) & (elements.length - 1);
            for (int i = 0; i < index; i++) {
                elements[physical(i)] = elements[physical(i + 1)];
            }
        } else {
            for (int i = size; i > index; i--) {
                elements[physical(i)] = elements[physical(i - 1)];
            }
        }
        elements[physical(index)] = value;
        size++;
        elementBytes += Footprint.bytes(value.length);
        changed(before);
    }

    void removeAt(int index) {
        long before = footprint();
        elementBytes -= Footprint.bytes(get(index).length);
        if (index < size / 2) {
            for (int i = index; i > 0; i--) {
                elements[physical(i)] = elements[physical(i - 1)];
            }
            pollFirst();
        } else {
            for (int i = index; i < size - 1; i++) {
                elements[physical(i)] = elements[physical(i + 1)];
            }
            pollLast();
        }
        shrink();
        changed(before);
    }

    /** Keeps only the elements with index in [from, to], both inclusive and in range. */
    void retainRange(int from, int to) {
        long before = footprint();
        byte[][] kept = new byte[Math.max(8, Integer.highestOneBit(Math.max(1, to - from + 1)) << 1)][];
        int n = 0;
        long keptBytes = 0;
        for (int i = from; i <= to; i++) {
            kept[n] = get(i);
            keptBytes += Footprint.bytes(kept[n++].length);
        }
        elements = kept;
        head = 0;
        size = n;
        elementBytes = keptBytes;
        changed(before);
    }

    private int physical(int index) {
        return (head + index) & (elements.length - 1);
    }

    private void grow() {
        if (size < elements.length) {
            return;
        }
        byte[][] bigger = new byte[elements.length * 2][];
        int firstPart = Math.min(size, elements.length - head);
        System.arraycopy(elements, head, bigger, 0, firstPart);
        System.arraycopy(elements, 0, bigger, firstPart, size - firstPart);
        elements = bigger;
        head = 0;
    }

    private void shrink() {
        if (elements.length > 64 && size < elements.length / 4) {
            byte[][] smaller = new byte[elements.length / 2][];
            for (int i = 0; i < size; i++) {
                smaller[i] = get(i);
            }
            elements = smaller;
            head = 0;
        }
    }

    @Override
    public String toString() {
        byte[][] copy = new byte[size][];
        for (int i = 0; i < size; i++) {
            copy[i] = get(i);
        }
        return Arrays.deepToString(copy);
    }
}
