package io.kvcache.slave.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A hash value: fields and their values in insertion order, an updated field keeping its place and
 * a deleted one leaving none. That is the order of Redis's listpack encoding, which Redis uses up
 * to 128 fields (hash-max-listpack-entries), so HGETALL, HKEYS and HSCAN answer as Redis does for
 * the hashes applications mostly hold; beyond, Redis's order is its dict's, which no client can
 * rely on.
 * <p>
 * It knows its own {@link Footprint} and, once stored in a keyspace, reports each change of it to
 * the keyspace's {@link UsedMemory}, as {@link QuickList} does.
 */
final class HashValue implements Value {

    private final LinkedHashMap<Field, byte[]> fields = new LinkedHashMap<>();
    /** The footprint of the fields' and values' arrays and their map nodes. */
    private long elementBytes;
    private UsedMemory meter;

    /** A field as a map key: its bytes, compared by content. */
    private record Field(byte[] bytes) {

        @Override
        public boolean equals(Object o) {
            return o instanceof Field f && Arrays.equals(bytes, f.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    /** From now on, changes of this hash's footprint are added to meter. */
    void meter(UsedMemory meter) {
        this.meter = meter;
    }

    /** Bytes this hash takes: itself, its map's table and nodes, its fields and values. */
    long footprint() {
        return Footprint.HASH + Footprint.references(Footprint.hashTableLength(fields.size())) + elementBytes;
    }

    int size() {
        return fields.size();
    }

    boolean isEmpty() {
        return fields.isEmpty();
    }

    byte[] get(byte[] field) {
        return fields.get(new Field(field));
    }

    boolean contains(byte[] field) {
        return fields.containsKey(new Field(field));
    }

    /** @return true when the field is new */
    boolean put(byte[] field, byte[] value) {
        long before = footprint();
        byte[] old = fields.put(new Field(field), value);
        if (old == null) {
            elementBytes += Footprint.HASH_NODE + Footprint.bytes(field.length) + Footprint.bytes(value.length);
        } else {
            elementBytes += Footprint.bytes(value.length) - Footprint.bytes(old.length);
        }
        changed(before);
        return old == null;
    }

    /** @return true when the field was there */
    boolean remove(byte[] field) {
        long before = footprint();
        byte[] old = fields.remove(new Field(field));
        if (old == null) {
            return false;
        }
        elementBytes -= Footprint.HASH_NODE + Footprint.bytes(field.length) + Footprint.bytes(old.length);
        changed(before);
        return true;
    }

    /** The fields and values in order, as field, value, field, value... */
    List<byte[]> flatten() {
        List<byte[]> out = new ArrayList<>(fields.size() * 2);
        for (Map.Entry<Field, byte[]> e : fields.entrySet()) {
            out.add(e.getKey().bytes());
            out.add(e.getValue());
        }
        return out;
    }

    private void changed(long footprintBefore) {
        if (meter != null) {
            meter.add(footprint() - footprintBefore);
        }
    }
}
