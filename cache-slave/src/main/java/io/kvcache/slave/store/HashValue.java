package io.kvcache.slave.store;

import java.util.ArrayList;
import java.util.List;

/**
 * A hash value: fields and their values in insertion order, an updated field keeping its place and
 * a deleted one leaving none ({@link ElementTable}). That is the order of Redis's listpack encoding,
 * which Redis uses up to 128 fields (hash-max-listpack-entries), so HGETALL, HKEYS and HSCAN answer
 * as Redis does for the hashes applications mostly hold; beyond, Redis's order is its dict's, which
 * no client can rely on.
 * <p>
 * It knows its own {@link Footprint} and, once stored in a keyspace, reports each change of it to
 * the keyspace's {@link UsedMemory}, as {@link QuickList} does.
 */
final class HashValue implements Value {

    /** Redis's hash-max-listpack-entries and hash-max-listpack-value. */
    static final int MAX_LISTPACK_ENTRIES = 128;
    static final int MAX_LISTPACK_VALUE = 64;

    private final ElementTable fields = new ElementTable(true);
    /** Whether Redis would still hold this hash as a listpack (it turns into a hashtable for good). */
    private boolean listpack = true;
    private UsedMemory meter;

    /** From now on, changes of this hash's footprint are added to meter. */
    void meter(UsedMemory meter) {
        this.meter = meter;
    }

    /** Bytes this hash takes: itself, its table, its fields and values. */
    long footprint() {
        return Footprint.HASH + fields.footprint();
    }

    int size() {
        return fields.size();
    }

    boolean isEmpty() {
        return fields.size() == 0;
    }

    byte[] get(byte[] field) {
        int at = fields.find(field);
        return at < 0 ? null : fields.value(at);
    }

    boolean contains(byte[] field) {
        return fields.find(field) >= 0;
    }

    boolean isListpack() {
        return listpack;
    }

    /** An independent hash with the same fields in the same order and encoding (COPY). */
    HashValue copy() {
        HashValue c = new HashValue();
        List<byte[]> pairs = flatten();
        for (int i = 0; i < pairs.size(); i += 2) {
            c.put(pairs.get(i), pairs.get(i + 1));
        }
        c.listpack = listpack;
        return c;
    }

    /** @return true when the field is new */
    boolean put(byte[] field, byte[] value) {
        if (field.length > MAX_LISTPACK_VALUE || value.length > MAX_LISTPACK_VALUE) {
            listpack = false;
        }
        long before = footprint();
        int at = fields.find(field);
        if (at >= 0) {
            fields.setValue(at, value);
        } else {
            fields.add(field, value);
        }
        if (fields.size() > MAX_LISTPACK_ENTRIES) {
            listpack = false;
        }
        changed(before);
        return at < 0;
    }

    /** @return true when the field was there */
    boolean remove(byte[] field) {
        int at = fields.find(field);
        if (at < 0) {
            return false;
        }
        long before = footprint();
        fields.remove(at);
        changed(before);
        return true;
    }

    /** The fields and values in order, as field, value, field, value... */
    List<byte[]> flatten() {
        List<byte[]> out = new ArrayList<>(fields.size() * 2);
        for (int i = 0; i < fields.end(); i++) {
            if (fields.key(i) != null) {
                out.add(fields.key(i));
                out.add(fields.value(i));
            }
        }
        return out;
    }

    private void changed(long footprintBefore) {
        if (meter != null) {
            meter.add(footprint() - footprintBefore);
        }
    }
}
