package io.kvcache.slave.store;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * A sorted set: members ordered by score, then by their bytes (Redis's zslInsert order), with each
 * member's score found through an {@link ElementTable} (the score as the value's 8 bytes). The
 * order lives in a red-black tree, not a skiplist: a rank is found by walking (O(rank)), where
 * Redis's skiplist spans make it O(log n).
 * <p>
 * It knows its own {@link Footprint} and reports each change of it to the keyspace's
 * {@link UsedMemory} once stored, as {@link QuickList} does.
 */
final class ZSetValue implements Value {

    /** A member in the order: by score (0 and -0 equal, as C's comparisons), then by bytes unsigned. */
    record Scored(double score, byte[] member) implements Comparable<Scored> {

        @Override
        public int compareTo(Scored o) {
            if (score < o.score) {
                return -1;
            }
            if (score > o.score) {
                return 1;
            }
            return Arrays.compareUnsigned(member, o.member);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Scored s && compareTo(s) == 0;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(member);
        }
    }

    /** Redis's zset-max-listpack-entries and zset-max-listpack-value. */
    static final int MAX_LISTPACK_ENTRIES = 128;
    static final int MAX_LISTPACK_VALUE = 64;

    private final ElementTable scores = new ElementTable(true);
    private final TreeSet<Scored> order = new TreeSet<>();
    /**
     * Whether Redis would still hold this set as a listpack, which stores a score of -0 as 0 (a
     * skiplist keeps the sign); it turns into a skiplist for good past 128 members or with a member
     * over 64 bytes.
     */
    private boolean listpack = true;
    private UsedMemory meter;

    /** From now on, changes of this set's footprint are added to meter. */
    void meter(UsedMemory meter) {
        this.meter = meter;
    }

    /** Bytes this set takes: itself, its table with members and scores, its tree's nodes. */
    long footprint() {
        return Footprint.ZSET + scores.footprint() + (long) order.size() * Footprint.ZSET_NODE;
    }

    int size() {
        return order.size();
    }

    boolean isEmpty() {
        return order.isEmpty();
    }

    boolean isListpack() {
        return listpack;
    }

    /** zsetConvert to a skiplist, for good (SORT does it to every sorted set it reads). */
    void toSkiplist() {
        listpack = false;
    }

    /** An independent sorted set with the same members, scores and encoding (COPY). */
    ZSetValue copy() {
        ZSetValue c = new ZSetValue();
        c.listpack = listpack;
        for (Scored s : order) {
            c.put(s.member(), s.score());
        }
        c.listpack = listpack;
        return c;
    }

    /**
     * A result built whole (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE): Redis builds it as a skiplist and
     * turns it into a listpack at the end when it fits one, so -0 keeps its sign only in a skiplist.
     */
    static ZSetValue built(java.util.List<Scored> members) {
        ZSetValue z = new ZSetValue();
        z.listpack = members.size() <= MAX_LISTPACK_ENTRIES
                && members.stream().allMatch(m -> m.member().length <= MAX_LISTPACK_VALUE);
        for (Scored m : members) {
            z.put(m.member(), m.score());
        }
        return z;
    }

    /** The member's score, or null. */
    Double score(byte[] member) {
        int at = scores.find(member);
        return at < 0 ? null : decode(scores.value(at));
    }

    /** Sets the member's score, adding it if absent. */
    void put(byte[] member, double score) {
        if (listpack && (member.length > MAX_LISTPACK_VALUE || size() >= MAX_LISTPACK_ENTRIES && score(member) == null)) {
            listpack = false;
        }
        if (listpack && score == 0) {
            score = 0.0; // -0 too
        }
        long before = footprint();
        int at = scores.find(member);
        if (at >= 0) {
            double old = decode(scores.value(at));
            order.remove(new Scored(old, scores.key(at)));
            scores.setValue(at, encode(score));
            order.add(new Scored(score, scores.key(at)));
        } else {
            scores.add(member, encode(score));
            order.add(new Scored(score, member));
        }
        changed(before);
    }

    /** @return true when the member was there */
    boolean remove(byte[] member) {
        int at = scores.find(member);
        if (at < 0) {
            return false;
        }
        long before = footprint();
        order.remove(new Scored(decode(scores.value(at)), scores.key(at)));
        scores.remove(at);
        changed(before);
        return true;
    }

    /** The members from the lowest score up (reverse: from the highest down). */
    Iterator<Scored> iterator(boolean reverse) {
        return reverse ? order.descendingIterator() : order.iterator();
    }

    /** The members with a score within the range, in order. */
    NavigableSet<Scored> range(ScoreRange range) {
        if (range.isEmpty()) {
            return new TreeSet<>();
        }
        Scored from = new Scored(range.min(), new byte[0]);
        NavigableSet<Scored> tail = order.tailSet(from, true);
        TreeSet<Scored> out = new TreeSet<>();
        for (Scored s : tail) {
            if (!range.aboveMin(s.score())) {
                continue;
            }
            if (!range.belowMax(s.score())) {
                break;
            }
            out.add(s);
        }
        return out;
    }

    /** The 0-based rank of the member from the lowest score, or -1. */
    long rank(byte[] member) {
        Double score = score(member);
        if (score == null) {
            return -1;
        }
        return order.headSet(new Scored(score, member), false).size();
    }

    private void changed(long footprintBefore) {
        if (meter != null) {
            meter.add(footprint() - footprintBefore);
        }
    }

    private static byte[] encode(double score) {
        long bits = Double.doubleToRawLongBits(score);
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (bits >>> (56 - 8 * i));
        }
        return b;
    }

    private static double decode(byte[] b) {
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (b[i] & 0xFF);
        }
        return Double.longBitsToDouble(bits);
    }

    /** zrangespec: a score range, each end inclusive or not. */
    record ScoreRange(double min, boolean minExclusive, double max, boolean maxExclusive) {

        boolean contains(double v) {
            return aboveMin(v) && belowMax(v);
        }

        boolean aboveMin(double v) {
            return minExclusive ? v > min : v >= min;
        }

        boolean belowMax(double v) {
            return maxExclusive ? v < max : v <= max;
        }

        /** zslIsInRange's test of the range itself. */
        boolean isEmpty() {
            return min > max || (min == max && (minExclusive || maxExclusive));
        }
    }
}
