package io.kvcache.ring;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/** The reference key sets that the distribution test and docs/ring.md measure against. */
final class RingKeySets {

    static final int KEY_COUNT = 1_000_000;
    static final long RANDOM_KEYS_SEED = 42;
    static final List<String> FOUR_SHARDS = List.of("slave1", "slave2", "slave3", "slave4");

    private RingKeySets() {
    }

    /** {@code String.format("key:%012d", i)} for i in [0, count), as UTF-8. */
    static byte[][] formattedKeys(int count) {
        byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++) {
            keys[i] = String.format("key:%012d", i).getBytes(StandardCharsets.UTF_8);
        }
        return keys;
    }

    /** {@code count} random 16-byte keys from {@code new Random(RANDOM_KEYS_SEED)}. */
    static byte[][] randomKeys(int count) {
        Random random = new Random(RANDOM_KEYS_SEED);
        byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++) {
            keys[i] = new byte[16];
            random.nextBytes(keys[i]);
        }
        return keys;
    }

    /** The busiest shard's key count divided by the mean count per shard. */
    static double maxOverMean(HashRing ring, byte[][] keys) {
        List<String> shards = List.copyOf(ring.shards());
        int[] counts = new int[shards.size()];
        for (byte[] key : keys) {
            counts[shards.indexOf(ring.shardFor(key))]++;
        }
        int max = IntStream.of(counts).max().orElseThrow();
        return max / ((double) keys.length / shards.size());
    }
}
