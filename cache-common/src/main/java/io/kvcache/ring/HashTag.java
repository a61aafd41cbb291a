package io.kvcache.ring;

/**
 * Redis Cluster's hash-tag rule (keyHashSlot): which bytes of a key are hashed, so that keys sharing
 * a {@code {tag}} land on the same shard.
 */
final class HashTag {

    /** The half-open byte range {@code [from, to)} of a key that is hashed. */
    record Range(int from, int to) {
    }

    private HashTag() {
    }

    /**
     * The range to hash: the bytes between the first '{' and the first '}' after it, if that is
     * non-empty; otherwise the whole key.
     */
    static Range rangeOf(byte[] key) {
        int open = indexOf(key, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(key, (byte) '}', open + 1);
            // "{}" (close == open + 1) is not a tag: Redis hashes the whole key, so "foo{}{bar}" is not tagged "bar".
            if (close > open + 1) {
                return new Range(open + 1, close);
            }
        }
        return new Range(0, key.length);
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
