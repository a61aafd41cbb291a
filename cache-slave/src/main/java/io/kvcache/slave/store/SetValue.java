package io.kvcache.slave.store;

import java.util.ArrayList;
import java.util.List;

import io.kvcache.protocol.RedisNumbers;

/**
 * A set value. Its members come back in the order Redis 7.0 gives them where that order is
 * defined: while every member is an integer and there are at most 512 (set-max-intset-entries),
 * Redis keeps an intset, sorted by value, and so does {@link #members}; once a member is not an
 * integer or the set grows past 512, Redis turns it into a hashtable for good, whose order is its
 * dict's, and this set then answers in insertion order.
 * <p>
 * It knows its own {@link Footprint} and reports each change of it to the keyspace's
 * {@link UsedMemory} once stored, as {@link QuickList} does.
 */
final class SetValue implements Value {

    /** Redis's set-max-intset-entries. */
    static final int MAX_INTSET_ENTRIES = 512;

    private final ElementTable members = new ElementTable(false);
    /** Whether Redis would still hold this set as an intset. */
    private boolean intset = true;
    private UsedMemory meter;

    /** From now on, changes of this set's footprint are added to meter. */
    void meter(UsedMemory meter) {
        this.meter = meter;
    }

    /** Bytes this set takes: itself, its table, its members. */
    long footprint() {
        return Footprint.SET + members.footprint();
    }

    int size() {
        return members.size();
    }

    boolean isEmpty() {
        return members.size() == 0;
    }

    boolean contains(byte[] member) {
        return members.find(member) >= 0;
    }

    boolean isIntset() {
        return intset;
    }

    /** An independent set with the same members in the same order and encoding (COPY). */
    SetValue copy() {
        SetValue c = new SetValue();
        for (int i = 0; i < members.end(); i++) {
            if (members.key(i) != null) {
                c.members.add(members.key(i), null);
            }
        }
        c.intset = intset;
        return c;
    }

    /** @return true when the member is new */
    boolean add(byte[] member) {
        if (members.find(member) >= 0) {
            return false;
        }
        long before = footprint();
        members.add(member, null);
        if (intset && (members.size() > MAX_INTSET_ENTRIES || !isInteger(member))) {
            intset = false;
        }
        changed(before);
        return true;
    }

    /** @return true when the member was there */
    boolean remove(byte[] member) {
        int at = members.find(member);
        if (at < 0) {
            return false;
        }
        long before = footprint();
        members.remove(at);
        changed(before);
        return true;
    }

    /** The members in Redis's order where it has one (see the class comment). */
    List<byte[]> members() {
        List<byte[]> out = new ArrayList<>(members.size());
        for (int i = 0; i < members.end(); i++) {
            if (members.key(i) != null) {
                out.add(members.key(i));
            }
        }
        if (intset) {
            out.sort((a, b) -> Long.compare(RedisNumbers.parseLong(a), RedisNumbers.parseLong(b)));
        }
        return out;
    }

    private void changed(long footprintBefore) {
        if (meter != null) {
            meter.add(footprint() - footprintBefore);
        }
    }

    /** string2ll: what an intset can hold. */
    private static boolean isInteger(byte[] member) {
        try {
            RedisNumbers.parseLong(member);
            return true;
        } catch (RedisNumbers.NotANumber e) {
            return false;
        }
    }
}
