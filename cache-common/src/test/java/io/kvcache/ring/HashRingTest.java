package io.kvcache.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kvcache.ring.HashRing.Point;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HashRingTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long pointHash(String shard, int i) {
        return RollingHash.hash(bytes(shard + "#" + i));
    }

    // --- distribution ---------------------------------------------------------------------------------

    @Test
    void busiestOfFourShardsHoldsAtMost105PercentOfMeanOverAMillionFormattedKeys() {
        HashRing ring = HashRing.of(RingKeySets.FOUR_SHARDS);
        double ratio = RingKeySets.maxOverMean(ring, RingKeySets.formattedKeys(RingKeySets.KEY_COUNT));
        assertThat(ratio).isLessThanOrEqualTo(1.05);
    }

    @Test
    void busiestOfFourShardsHoldsAtMost105PercentOfMeanOverAMillionRandomKeys() {
        HashRing ring = HashRing.of(RingKeySets.FOUR_SHARDS);
        double ratio = RingKeySets.maxOverMean(ring, RingKeySets.randomKeys(RingKeySets.KEY_COUNT));
        assertThat(ratio).isLessThanOrEqualTo(1.05);
    }

    @Test
    void shareOfHashSpaceSumsToOneAndIsNearAQuarterForFourShards() {
        Map<String, Double> share = HashRing.of(RingKeySets.FOUR_SHARDS).shareOfHashSpace();
        assertThat(share).containsOnlyKeys(RingKeySets.FOUR_SHARDS);
        assertThat(share.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(share.values()).allSatisfy(s -> assertThat(s).isBetween(0.2, 0.3));
    }

    @Test
    void shareOfHashSpaceIsTheArcBelowEachPoint() {
        // A point owns [previous point, itself): 2^63 owns [0, 2^63) and 0, the smallest, owns the wrap [2^63, 2^64).
        HashRing halves = HashRing.fromPoints(List.of(new Point(0, "a"), new Point(Long.MIN_VALUE, "b")));
        assertThat(halves.shareOfHashSpace()).containsExactly(Map.entry("a", 0.5), Map.entry("b", 0.5));
        // 2^62 owns [0, 2^62); 0 owns the wrap [2^62, 2^64).
        HashRing quarter = HashRing.fromPoints(List.of(new Point(1L << 62, "a"), new Point(0, "b")));
        assertThat(quarter.shareOfHashSpace()).containsExactly(Map.entry("a", 0.25), Map.entry("b", 0.75));
    }

    @Test
    void singleShardOwnsTheWholeHashSpace() {
        assertThat(HashRing.of(List.of("solo"), 1).shareOfHashSpace()).containsExactly(Map.entry("solo", 1.0));
        assertThat(HashRing.of(List.of("solo")).shareOfHashSpace().get("solo")).isCloseTo(1.0, within(1e-9));
    }

    // --- the first-point-greater rule -----------------------------------------------------------------

    @Test
    void pointsAreTheHashesOfNameHashIndexInUnsignedOrder() {
        HashRing ring = HashRing.of(List.of("b", "a"), 3);
        List<Point> expected = new ArrayList<>();
        for (String shard : List.of("a", "b")) {
            for (int i = 0; i < 3; i++) {
                expected.add(new Point(pointHash(shard, i), shard));
            }
        }
        expected.sort(Comparator.comparing(Point::hash, Long::compareUnsigned));
        assertThat(ring.points()).containsExactlyElementsOf(expected);
        assertThat(HashRing.of(RingKeySets.FOUR_SHARDS).points()).hasSize(4 * HashRing.DEFAULT_VIRTUAL_NODES);
    }

    @Test
    void keyBelongsToTheFirstPointStrictlyGreaterAndWrapsPastTheLargest() {
        HashRing ring = HashRing.of(List.of("a", "b"), 2);
        List<Point> points = ring.points();
        assertThat(points).hasSize(4);
        for (int i = 0; i < points.size(); i++) {
            Point point = points.get(i);
            Point next = points.get((i + 1) % points.size());
            // One below a point: that point. Exactly on a point: the next one (strictly greater).
            assertThat(ring.shardForHash(point.hash() - 1)).isEqualTo(point.shard());
            assertThat(ring.shardForHash(point.hash())).isEqualTo(next.shard());
        }
        Point smallest = points.getFirst();
        Point largest = points.getLast();
        assertThat(ring.shardForHash(largest.hash() + 1)).isEqualTo(smallest.shard());
        assertThat(ring.shardForHash(-1L)).as("2^64 - 1").isEqualTo(smallest.shard());
        assertThat(ring.shardForHash(0)).isEqualTo(smallest.shard());

        // The same through real keys: the key "a#0" hashes exactly onto the point "a#0".
        long a0 = pointHash("a", 0);
        int at = points.indexOf(new Point(a0, "a"));
        assertThat(ring.keyHash(bytes("a#0"))).isEqualTo(a0);
        assertThat(ring.shardFor(bytes("a#0"))).isEqualTo(points.get((at + 1) % points.size()).shard());
    }

    /**
     * The arc index is only a shortcut: every lookup answers what the spec's definition (first
     * point strictly greater, in ring order, else the first) answers, on rings of every size, at
     * and around every point and at the ends of the hash space.
     */
    @Test
    void lookupsThroughTheArcIndexMatchTheFirstPointStrictlyGreater() {
        Random random = new Random(17);
        for (int n : new int[] {1, 2, 3, 7, 64, 1000, 5000}) {
            List<Point> points = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long hash = i % 5 == 4 ? points.get(random.nextInt(points.size())).hash() : random.nextLong();
                points.add(new Point(hash, "s" + random.nextInt(9)));
            }
            HashRing ring = HashRing.fromPoints(points);
            List<Point> sorted = ring.points();
            List<Long> probes = new ArrayList<>(List.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE));
            for (Point p : sorted) {
                probes.addAll(List.of(p.hash(), p.hash() - 1, p.hash() + 1));
            }
            for (int i = 0; i < 2000; i++) {
                probes.add(random.nextLong());
            }
            for (long h : probes) {
                Point expected = sorted.stream().filter(p -> Long.compareUnsigned(p.hash(), h) > 0).findFirst()
                        .orElse(sorted.getFirst());
                assertThat(ring.shardForHash(h)).as("n=%d hash=%x", n, h).isEqualTo(expected.shard());
            }
        }
    }

    @Test
    void hashesAreComparedAsUnsigned() {
        // Signed order would put 0x8000... first; unsigned order puts it after 0x7FFF....
        HashRing ring = HashRing.fromPoints(List.of(
                new Point(Long.MIN_VALUE, "high"), new Point(Long.MAX_VALUE, "mid"), new Point(1, "low")));
        assertThat(ring.points()).extracting(Point::shard).containsExactly("low", "mid", "high");
        assertThat(ring.shardForHash(Long.MAX_VALUE)).isEqualTo("high");
        assertThat(ring.shardForHash(Long.MIN_VALUE)).isEqualTo("low");
        assertThat(ring.shardForHash(-1L)).isEqualTo("low");
        assertThat(ring.shardForHash(1)).isEqualTo("mid");
    }

    @Test
    void tiedPointHashesGoToTheSmallestShardNameWhateverTheInputOrder() {
        List<Point> points = new ArrayList<>(List.of(new Point(5, "b"), new Point(5, "a"), new Point(10, "c")));
        for (int shuffle = 0; shuffle < 6; shuffle++) {
            Collections.shuffle(points, new Random(shuffle));
            HashRing ring = HashRing.fromPoints(points);
            assertThat(ring.shardForHash(4)).isEqualTo("a");
            assertThat(ring.shardForHash(5)).isEqualTo("c");
            assertThat(ring.shardForHash(10)).isEqualTo("a");
            assertThat(ring.shareOfHashSpace().get("b")).isZero();
        }
    }

    // --- purity and stability -------------------------------------------------------------------------

    @Test
    void ringsFromTheSameNamesInAnyOrderRouteEveryKeyIdentically() {
        HashRing sorted = HashRing.of(List.of("slave1", "slave2", "slave3", "slave4"));
        HashRing shuffled = HashRing.of(List.of("slave3", "slave1", "slave4", "slave2", "slave3"));
        assertThat(shuffled.points()).isEqualTo(sorted.points());
        assertThat(shuffled.shards()).containsExactly("slave1", "slave2", "slave3", "slave4");
        byte[][] keys = RingKeySets.formattedKeys(100_000);
        for (byte[] key : keys) {
            assertThat(shuffled.shardFor(key)).isEqualTo(sorted.shardFor(key));
        }
    }

    @Test
    void addingAFifthShardMovesAboutAFifthOfKeysAllToTheNewShard() {
        HashRing four = HashRing.of(RingKeySets.FOUR_SHARDS);
        List<String> fiveNames = new ArrayList<>(RingKeySets.FOUR_SHARDS);
        fiveNames.add("slave5");
        HashRing five = HashRing.of(fiveNames);
        byte[][] keys = RingKeySets.formattedKeys(100_000);
        int moved = 0;
        for (byte[] key : keys) {
            String before = four.shardFor(key);
            String after = five.shardFor(key);
            if (!before.equals(after)) {
                assertThat(after).as("new owner of a moved key").isEqualTo("slave5");
                moved++;
            }
        }
        assertThat(moved / (double) keys.length).isBetween(0.15, 0.25);
    }

    @Test
    void ringIsUnaffectedByLaterChangesToTheNameCollectionAndIsUnmodifiable() {
        List<String> names = new ArrayList<>(List.of("x", "y"));
        HashRing ring = HashRing.of(names, 4);
        names.add("z");
        assertThat(ring.shards()).containsExactly("x", "y");
        assertThatThrownBy(() -> ring.shards().add("z")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ring.points().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ring.shareOfHashSpace().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    // --- edge cases ---------------------------------------------------------------------------------

    @Test
    void emptyRingRefusesLookupsWithAClearMessage() {
        HashRing empty = HashRing.of(List.of());
        assertThat(empty.shards()).isEmpty();
        assertThat(empty.points()).isEmpty();
        assertThat(empty.shareOfHashSpace()).isEmpty();
        assertThatThrownBy(() -> empty.shardFor(bytes("k")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no shards");
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThatThrownBy(() -> HashRing.of(List.of("a"), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HashRing.of(List.of(""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HashRing.of(Collections.singletonList(null))).isInstanceOf(NullPointerException.class);
    }

    @Test
    void shardNamesWithBracesAreNotHashTaggedInPoints() {
        HashRing ring = HashRing.of(List.of("{s}"), 2);
        assertThat(ring.points()).extracting(Point::hash)
                .containsExactlyInAnyOrder(pointHash("{s}", 0), pointHash("{s}", 1));
    }

    @Test
    void everyShardReceivesKeys() {
        HashRing ring = HashRing.of(RingKeySets.FOUR_SHARDS);
        Map<String, Long> counts = Arrays.stream(RingKeySets.formattedKeys(10_000))
                .collect(Collectors.groupingBy(ring::shardFor, Collectors.counting()));
        assertThat(counts).containsOnlyKeys(RingKeySets.FOUR_SHARDS);
    }

    // --- crafted keys (docs/security.md, "Hash flooding") ---------------------------------------------

    /**
     * The ring's hash is public and unkeyed, as Redis Cluster's CRC16: keys that collide in the
     * polynomial ("Aa" and "BB" share h * 31 + b) share a shard, exactly as keys sharing a hash tag do
     * by design. A client choosing its keys can always pile them on one shard; what it cannot do is
     * degrade that shard's store (its table is keyed, HashFloodingTests) or pass its memory limits.
     */
    @Test
    void keysCollidingInThePolynomialShareAShardAsKeysSharingATagDo() {
        HashRing ring = HashRing.of(RingKeySets.FOUR_SHARDS);
        List<String> colliding = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            StringBuilder key = new StringBuilder();
            for (int j = 0; j < 10; j++) {
                key.append((i >>> j & 1) == 0 ? "Aa" : "BB");
            }
            colliding.add(key.toString());
        }
        assertThat(colliding.stream().map(k -> ring.shardFor(bytes(k))).distinct()).hasSize(1);
        assertThat(colliding.stream().map(k -> ring.shardFor(bytes("{user:1}" + k))).distinct()).hasSize(1);
        // Keys a client does not craft spread as ever.
        assertThat(Arrays.stream(RingKeySets.formattedKeys(1024)).map(ring::shardFor).distinct()).hasSize(4);
    }
}
