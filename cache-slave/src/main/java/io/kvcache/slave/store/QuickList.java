package io.kvcache.slave.store;

import java.util.Arrays;

/**
 * A list value: a growable ring buffer of byte strings with O(1) pushes and pops at both ends
 * and O(1) access by index (LINDEX, LSET, LRANGE); inserting or removing inside moves the
 * shorter side, as a deque would.
 */
final class QuickList {

    private byte[][] elements = new byte[8][];
    private int head;
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    byte[] get(int index) {
        return elements[physical(index)];
    }

    void set(int index, byte[] value) {
        elements[physical(index)] = value;
    }

    void addFirst(byte[] value) {
        grow();
        head = (head - 1) & (elements.length - 1);
        elements[head] = value;
        size++;
    }

    void addLast(byte[] value) {
        grow();
        elements[physical(size)] = value;
        size++;
    }

    byte[] removeFirst() {
        byte[] v = elements[head];
        elements[head] = null;
        head = (head + 1) & (elements.length - 1);
        size--;
        shrink();
        return v;
    }

    byte[] removeLast() {
        int i = physical(size - 1);
        byte[] v = elements[i];
        elements[i] = null;
        size--;
        shrink();
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
    }

    void removeAt(int index) {
        if (index < size / 2) {
            for (int i = index; i > 0; i--) {
                elements[physical(i)] = elements[physical(i - 1)];
            }
            removeFirst();
        } else {
            for (int i = index; i < size - 1; i++) {
                elements[physical(i)] = elements[physical(i + 1)];
            }
            removeLast();
        }
    }

    /** Keeps only the elements with index in [from, to], both inclusive and in range. */
    void retainRange(int from, int to) {
        byte[][] kept = new byte[Math.max(8, Integer.highestOneBit(Math.max(1, to - from + 1)) << 1)][];
        int n = 0;
        for (int i = from; i <= to; i++) {
            kept[n++] = get(i);
        }
        elements = kept;
        head = 0;
        size = n;
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
