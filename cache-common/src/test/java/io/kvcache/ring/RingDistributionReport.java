package io.kvcache.ring;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Prints the distribution table of docs/ring.md: busiest-shard / mean for 4 shards, per V, over both
 * reference key sets. Not a test; run it as shown in docs/ring.md.
 */
public final class RingDistributionReport {

    private static final double BOUND = 1.05;

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("--scan")) {
            scan(Integer.parseInt(args[1]));
            return;
        }
        int[] vs = args.length > 0
                ? Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
                : new int[] {16, 23, 32, 39, 64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 4096};
        byte[][] formatted = RingKeySets.formattedKeys(RingKeySets.KEY_COUNT);
        byte[][] random = RingKeySets.randomKeys(RingKeySets.KEY_COUNT);

        System.out.println("| V | key:%012d max/mean | random 16-byte max/mean | 4 x max shareOfHashSpace | both <= 1.05 | random name sets passing |");
        System.out.println("|---:|---:|---:|---:|:---:|---:|");
        for (int v : vs) {
            HashRing ring = HashRing.of(RingKeySets.FOUR_SHARDS, v);
            double a = RingKeySets.maxOverMean(ring, formatted);
            double b = RingKeySets.maxOverMean(ring, random);
            double share = 4 * Collections.max(ring.shareOfHashSpace().values());
            System.out.printf(Locale.ROOT, "| %d | %.4f | %.4f | %.4f | %s | %.0f%% |%n",
                    v, a, b, share, a <= BOUND && b <= BOUND ? "yes" : "no", 100 * randomNameSetsPassing(v));
        }

        // What the finalizer buys: route with the raw polynomial (points and keys) instead.
        List<HashRing.Point> rawPoints = new ArrayList<>();
        for (String shard : RingKeySets.FOUR_SHARDS) {
            for (int i = 0; i < 128; i++) {
                byte[] label = (shard + "#" + i).getBytes(StandardCharsets.UTF_8);
                rawPoints.add(new HashRing.Point(RollingHash.polynomial(label, 0, label.length), shard));
            }
        }
        HashRing raw = HashRing.fromPoints(rawPoints);
        List<String> shards = List.copyOf(raw.shards());
        int[] counts = new int[shards.size()];
        for (byte[] key : formatted) {
            counts[shards.indexOf(raw.shardForHash(RollingHash.polynomial(key, 0, key.length)))]++;
        }
        System.out.printf(Locale.ROOT, "%nWithout the finalizer (raw polynomial, V=128), key:%%012d keys per shard: %s -> max/mean %.4f%n",
                Arrays.toString(counts), Arrays.stream(counts).max().orElseThrow() / (RingKeySets.KEY_COUNT / 4.0));
    }

    /**
     * For every V in [1, maxV], whether 4 x the largest shareOfHashSpace of slave1..slave4 is within 1.05:
     * the limit the key-count ratio tends to as the key set grows. Prints the V that fail, as ranges.
     */
    private static void scan(int maxV) {
        StringBuilder failing = new StringBuilder();
        int smallestPassing = -1;
        int runStart = -1;
        for (int v = 1; v <= maxV + 1; v++) {
            boolean fails = v <= maxV
                    && 4 * Collections.max(HashRing.of(RingKeySets.FOUR_SHARDS, v).shareOfHashSpace().values()) > BOUND;
            if (!fails && v <= maxV && smallestPassing < 0) {
                smallestPassing = v;
            }
            if (fails && runStart < 0) {
                runStart = v;
            } else if (!fails && runStart >= 0) {
                failing.append(runStart == v - 1 ? String.valueOf(runStart) : runStart + "-" + (v - 1)).append(' ');
                runStart = -1;
            }
        }
        System.out.println("smallest V with 4 x max share <= 1.05: " + smallestPassing);
        System.out.println("V in [1, " + maxV + "] with 4 x max share > 1.05: " + failing.toString().trim());
    }

    /**
     * Fraction of 500 sets of 4 random shard names whose busiest shard owns at most 1.05 / 4 of the hash
     * space: how well a V generalises beyond the names slave1..slave4.
     */
    private static double randomNameSetsPassing(int v) {
        Random random = new Random(7);
        int trials = 500;
        int passing = 0;
        for (int t = 0; t < trials; t++) {
            List<String> names = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                names.add("shard-" + Long.toHexString(random.nextLong()));
            }
            double max = Collections.max(HashRing.of(names, v).shareOfHashSpace().values());
            if (4 * max <= BOUND) {
                passing++;
            }
        }
        return (double) passing / trials;
    }
}
