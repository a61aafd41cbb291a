package io.kvcache.slave.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The store's defence against hash flooding. Two attacks: keys that collide under a naive
 * polynomial hash (h * 31 + c, Java's String.hashCode, and the ring's hash before its finalizer),
 * and keys that collide under a seeded multiply-and-rotate hash for every seed (the store's
 * former hash: the seed only set its starting value). Neither collides under {@link Entry}'s
 * SipHash, so they cost no more to store and find than random keys.
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

    // ---- Seed-independent collisions of a multiply-and-rotate hash ----

    private static final long C1 = 0x9E3779B97F4A7C15L;
    private static final long C2 = 0xC2B2AE3D27D4EB4FL;

    /** The store's former hash: a seed, then h = rotl(h ^ w * C2, 31) * C1 per 8-byte word, then SplitMix64. */
    private static int formerHash(long seed, byte[] b) {
        long h = seed ^ (b.length * C1);
        for (int i = 0; i + 8 <= b.length; i += 8) {
            h = Long.rotateLeft(h ^ (word(b, i) * C2), 31) * C1;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return (int) (h ^ (h >>> 32));
    }

    /**
     * 2^k keys of k 16-byte blocks that collide under formerHash whatever its seed. In each block the
     * second variant flips bit 32 of the first word's product, which rotation moves to bit 63, where
     * multiplying by an odd constant keeps it exactly; the second word's product flips bit 63 back.
     */
    static List<byte[]> seedIndependentCollisions(int count) {
        long inverse = inverse(C2);
        long m1 = 0x0123456789abcdefL;
        long m2 = 0x0fedcba987654321L;
        long[][] variants = {
                {m1 * inverse, m2 * inverse},
                {(m1 ^ (1L << 32)) * inverse, (m2 ^ Long.MIN_VALUE) * inverse}};
        int blocks = 32 - Integer.numberOfLeadingZeros(count - 1);
        List<byte[]> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ByteBuffer key = ByteBuffer.allocate(16 * blocks).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < blocks; j++) {
                long[] v = variants[i >>> j & 1];
                key.putLong(v[0]).putLong(v[1]);
            }
            keys.add(key.array());
        }
        return keys;
    }

    private static long word(byte[] b, int i) {
        return ByteBuffer.wrap(b, i, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits each step). */
    private static long inverse(long odd) {
        long x = odd;
        for (int i = 0; i < 6; i++) {
            x *= 2 - odd * x;
        }
        return x;
    }

    @Test
    void theFormerSeededHashHadCollisionsForEverySeed() {
        List<byte[]> keys = seedIndependentCollisions(COUNT);
        Set<String> distinct = new HashSet<>();
        keys.forEach(k -> distinct.add(HexFormat.of().formatHex(k)));
        assertThat(distinct).hasSize(COUNT);
        Random seeds = new Random(9);
        for (int s = 0; s < 5; s++) {
            long seed = seeds.nextLong() | 1;
            Set<Integer> hashes = new HashSet<>();
            keys.forEach(k -> hashes.add(formerHash(seed, k)));
            assertThat(hashes).as("former hashes of %d crafted keys under seed %x", COUNT, seed).hasSize(1);
        }
    }

    @Test
    void entryHashesOfKeysCraftedAgainstEverySeedAreSpread() {
        assertSpread(seedIndependentCollisions(COUNT));
    }

    /** Entry hashes of distinct keys: about as many as keys, and no HashMap bin much fuller than chance makes it. */
    private static void assertSpread(List<byte[]> keys) {
        Set<Integer> hashes = new HashSet<>();
        Map<Integer, Integer> binLoad = new HashMap<>();
        int bins = 32_768; // the table size a HashMap of 20,000 entries grows to
        for (byte[] key : keys) {
            int h = Entry.hash(key);
            hashes.add(h);
            binLoad.merge((h ^ (h >>> 16)) & (bins - 1), 1, Integer::sum);
        }
        // 20,000 random 32-bit values have about 0.05 collisions; allow a few.
        assertThat(hashes.size()).isGreaterThan(keys.size() - 10);
        // A uniform hash puts at most about 8 keys in the fullest of 32,768 bins.
        assertThat(binLoad.values().stream().mapToInt(Integer::intValue).max().orElseThrow()).isLessThan(16);
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
        assertSpread(collidingKeys(COUNT));
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
        assertNotMuchSlower(collidingKeys(COUNT), randomKeys(COUNT, 20_000L));
    }

    private static void assertNotMuchSlower(List<byte[]> colliding, List<byte[]> random) {
        // Interleaved rounds, the best of each kept: JIT warm-up and GC pauses hit both sides alike.
        long bestColliding = Long.MAX_VALUE;
        long bestRandom = Long.MAX_VALUE;
        for (int round = 0; round < 7; round++) {
            bestColliding = Math.min(bestColliding, storeAndFind(colliding));
            bestRandom = Math.min(bestRandom, storeAndFind(random));
        }

        assertThat(bestColliding)
                .as("best nanos for %d crafted keys vs %d ns for random keys", colliding.size(), bestRandom)
                .isLessThanOrEqualTo(5 * bestRandom);
    }

    /** Nanoseconds to add every key to a fresh keyspace and then look each one up three times. */
    private static long storeAndFind(List<byte[]> keys) {
        Keyspace keyspace = new Keyspace(() -> 0L);
        long start = System.nanoTime();
        for (byte[] key : keys) {
            keyspace.add(key, StringValue.of(key));
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
