package io.kvcache.slave.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The store's defence against hash flooding: keys crafted to collide under a naive polynomial
 * hash (h * 31 + c, Java's String.hashCode) do not collide under {@link Entry}'s seeded hash, so
 * they cost no more to store and find than random keys.
 */
class HashFloodingTests {

    private static final int COUNT = 20_000;
    /** 2^15 = 32,768 strings of 15 blocks, each block "Aa" or "BB": all share one String.hashCode. */
    private static final int BLOCKS = 15;

    /** The i-th string made of BLOCKS blocks, block j being "BB" when bit j of i is set, else "Aa". */
    private static List<byte[]> collidingKeys(int count) {
        List<byte[]> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder(BLOCKS * 2);
            for (int j = 0; j < BLOCKS; j++) {
                sb.append((i >>> j & 1) == 0 ? "Aa" : "BB");
            }
            keys.add(sb.toString().getBytes(StandardCharsets.US_ASCII));
        }
        return keys;
    }

    /** Distinct random keys of the same length and alphabet as the colliding ones. */
    private static List<byte[]> randomKeys(int count, long seed) {
        Random random = new Random(seed);
        Set<String> seen = new HashSet<>();
        List<byte[]> keys = new ArrayList<>(count);
        String alphabet = "ABab";
        while (keys.size() < count) {
            StringBuilder sb = new StringBuilder(BLOCKS * 2);
            for (int j = 0; j < BLOCKS * 2; j++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (seen.add(sb.toString())) {
                keys.add(sb.toString().getBytes(StandardCharsets.US_ASCII));
            }
        }
        return keys;
    }

    @Test
    void theCraftedKeysAllCollideUnderANaivePolynomialHash() {
        List<byte[]> keys = collidingKeys(COUNT);

        Set<Integer> naive = new HashSet<>();
        Set<String> distinct = new HashSet<>();
        for (byte[] key : keys) {
            String s = new String(key, StandardCharsets.US_ASCII);
            naive.add(s.hashCode());
            distinct.add(s);
        }
        assertThat(distinct).hasSize(COUNT);
        assertThat(naive).as("h*31+c hashes of the crafted keys").hasSize(1);
    }

    @Test
    void entryHashesOfAaAndBBDiffer() {
        byte[] aa = "Aa".getBytes(StandardCharsets.US_ASCII);
        byte[] bb = "BB".getBytes(StandardCharsets.US_ASCII);

        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        assertThat(Entry.hash(aa)).isNotEqualTo(Entry.hash(bb));
        assertThat(Entry.probe(aa).hashCode()).isNotEqualTo(Entry.probe(bb).hashCode());
        assertThat(Entry.probe(aa)).isNotEqualTo(Entry.probe(bb));
    }

    @Test
    void entryHashesOfTheCraftedKeysAreSpreadOverTheTable() {
        List<byte[]> keys = collidingKeys(COUNT);

        Set<Integer> hashes = new HashSet<>();
        Map<Integer, Integer> binLoad = new HashMap<>();
        int bins = 32_768; // the table size a HashMap of 20,000 entries grows to
        for (byte[] key : keys) {
            int h = Entry.hash(key);
            hashes.add(h);
            binLoad.merge((h ^ (h >>> 16)) & (bins - 1), 1, Integer::sum);
        }
        // 20,000 random 32-bit values have about 0.05 collisions; allow a few.
        assertThat(hashes.size()).isGreaterThan(COUNT - 10);
        // A uniform hash puts at most about 8 keys in the fullest of 32,768 bins.
        assertThat(binLoad.values().stream().mapToInt(Integer::intValue).max().orElseThrow()).isLessThan(16);
    }

    @Test
    void entriesAreComparableConsistentlyWithEquals() {
        List<byte[]> keys = collidingKeys(64);
        for (byte[] a : keys) {
            for (byte[] b : keys) {
                Entry x = Entry.probe(a);
                Entry y = Entry.probe(b.clone());
                assertThat(x.compareTo(y) == 0).isEqualTo(x.equals(y));
                assertThat(Integer.signum(x.compareTo(y))).isEqualTo(-Integer.signum(y.compareTo(x)));
            }
        }
        assertThat(Entry.probe(new byte[] {(byte) 0x80}).compareTo(Entry.probe(new byte[] {0x7f})))
                .as("bytes compare unsigned, as memcmp").isPositive();
    }

    @Test
    void storingAndFindingCraftedKeysIsNotMuchSlowerThanRandomKeys() {
        List<byte[]> colliding = collidingKeys(COUNT);
        List<byte[]> random = randomKeys(COUNT, 20_000L);

        // Interleaved rounds, the best of each kept: JIT warm-up and GC pauses hit both sides alike.
        long bestColliding = Long.MAX_VALUE;
        long bestRandom = Long.MAX_VALUE;
        for (int round = 0; round < 7; round++) {
            bestColliding = Math.min(bestColliding, storeAndFind(colliding));
            bestRandom = Math.min(bestRandom, storeAndFind(random));
        }

        assertThat(bestColliding)
                .as("best nanos for %d crafted keys vs %d ns for random keys", COUNT, bestRandom)
                .isLessThanOrEqualTo(5 * bestRandom);
    }

    /** Nanoseconds to add every key to a fresh keyspace and then look each one up three times. */
    private static long storeAndFind(List<byte[]> keys) {
        Keyspace keyspace = new Keyspace(() -> 0L);
        long start = System.nanoTime();
        for (byte[] key : keys) {
            keyspace.add(key, key);
        }
        int found = 0;
        for (int pass = 0; pass < 3; pass++) {
            for (byte[] key : keys) {
                if (keyspace.lookup(key) != null) {
                    found++;
                }
            }
        }
        long elapsed = System.nanoTime() - start;
        assertThat(found).isEqualTo(3 * keys.size());
        assertThat(keyspace.size()).isEqualTo(keys.size());
        return elapsed;
    }
}
