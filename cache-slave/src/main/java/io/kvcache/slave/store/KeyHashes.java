package io.kvcache.slave.store;

import java.util.Arrays;

/**
 * The hashes of keys a batch is about to look up, computed once ahead of it ({@link Keyspace#prefetch})
 * and handed out in the batch's order, and the last key hashed (a write looks its key up, then adds
 * it): SipHash is an eighth of a replica's CPU under load, so no key is hashed twice in a row.
 * Keys are matched by identity, and only while a batch runs: the very arrays of its requests, which
 * nothing changes meanwhile.
 */
final class KeyHashes {

    private byte[][] keys = new byte[64][];
    private int[] hashes = new int[64];
    private boolean[] readsValue = new boolean[64];
    private int count;
    private int next;
    private byte[] lastKey;
    private int lastHash;
    private boolean active;

    /** The hash of key: the precomputed one when key is the next of the batch, else computed now. */
    int of(byte[] key) {
        if (!active) {
            return Entry.hash(key);
        }
        int h;
        if (next < count && keys[next] == key) {
            h = hashes[next++];
        } else if (key == lastKey) {
            return lastHash;
        } else {
            h = Entry.hash(key);
        }
        lastKey = key;
        lastHash = h;
        return h;
    }

    /** Hashes the batch's keys (null ones skipped) and returns them, in order, for the table to prefetch. */
    int[] load(byte[][] batch, boolean[] reads, int n) {
        if (keys.length < n) {
            keys = new byte[n][];
            hashes = new int[n];
            readsValue = new boolean[n];
        }
        count = 0;
        next = 0;
        active = true;
        for (int i = 0; i < n; i++) {
            byte[] key = batch[i];
            if (key != null) {
                keys[count] = key;
                readsValue[count] = reads[i];
                hashes[count++] = Entry.hash(key);
            }
        }
        return hashes;
    }

    /** Whether each loaded key's command reads its value, in the order of {@link #load}'s hashes. */
    boolean[] readsValue() {
        return readsValue;
    }

    int count() {
        return count;
    }

    /** The batch is done: forget its keys (no reference kept to a request's arrays). */
    void clear() {
        Arrays.fill(keys, 0, count, null);
        count = 0;
        next = 0;
        lastKey = null;
        active = false;
    }
}
