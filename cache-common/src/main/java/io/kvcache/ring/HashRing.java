package io.kvcache.ring;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.LongStream;

/**
 * An immutable consistent-hash ring mapping keys to shard names; a pure function of the set of shard
 * names and the number of virtual points per shard. Thread-safe. See docs/ring.md.
 */
public final class HashRing {

    /**
     * Virtual points per shard when none is given. From the measurements in docs/ring.md: the smallest
     * power of two for which the busiest of 4 shards holds at most 1.05x the mean on both reference key
     * sets (128 gives 1.06; smaller V that pass, such as 23 or 192, do so by coincidence of the names).
     */
    public static final int DEFAULT_VIRTUAL_NODES = 512;

    /** One virtual point: the ring position {@code hash} (an unsigned 64-bit value) owned by {@code shard}. */
    public record Point(long hash, String shard) {

        public Point {
            Objects.requireNonNull(shard, "shard");
        }

        @Override
        public String toString() {
            return shard + "@" + Long.toUnsignedString(hash, 16);
        }
    }

    /** Ring order: unsigned hash, then shard name, so that equal hashes of different shards order deterministically. */
    static final Comparator<Point> RING_ORDER =
            Comparator.comparing(Point::hash, Long::compareUnsigned).thenComparing(Point::shard);

    // Parallel arrays in RING_ORDER, for an allocation-free lookup.
    private final long[] hashes;
    private final String[] owners;
    /**
     * For each of the 2^indexBits equal arcs of the hash space (its top bits), the index of the
     * first point at or after the arc's start: a lookup scans from there, which on a ring of n
     * points with 2n to 4n arcs is one or two well-predicted steps instead of a binary search's
     * log2(n) unpredictable ones (it runs for every command, on the master and on every slave).
     */
    private final int[] arcStart;
    private final int indexShift;
    private final List<Point> points;
    private final Set<String> shards;

    private HashRing(List<Point> sortedPoints) {
        int n = sortedPoints.size();
        this.hashes = new long[n];
        this.owners = new String[n];
        Set<String> names = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            Point p = sortedPoints.get(i);
            hashes[i] = p.hash();
            owners[i] = p.shard();
            names.add(p.shard());
        }
        int indexBits = Math.clamp(Integer.SIZE - Integer.numberOfLeadingZeros(Math.max(1, n)) + 1, 4, 16);
        this.indexShift = Long.SIZE - indexBits;
        this.arcStart = new int[1 << indexBits];
        int j = 0;
        for (int arc = 0; arc < arcStart.length; arc++) {
            long start = (long) arc << indexShift;
            while (j < n && Long.compareUnsigned(hashes[j], start) < 0) {
                j++;
            }
            arcStart[arc] = j;
        }
        this.points = List.copyOf(sortedPoints);
        this.shards = Collections.unmodifiableSet(new LinkedHashSet<>(names));
    }

    /** A ring of {@code shardNames} (duplicates ignored) with {@link #DEFAULT_VIRTUAL_NODES} points each. */
    public static HashRing of(Collection<String> shardNames) {
        return of(shardNames, DEFAULT_VIRTUAL_NODES);
    }

    /**
     * A ring of {@code shardNames} (duplicates ignored) where shard {@code s} owns the points
     * hash(UTF-8 of "s#0") .. hash("s#" + (virtualNodes - 1)).
     */
    public static HashRing of(Collection<String> shardNames, int virtualNodes) {
        if (virtualNodes < 1) {
            throw new IllegalArgumentException("virtualNodes must be >= 1, got " + virtualNodes);
        }
        // A sorted set: the result must not depend on the order (or repetition) of the names.
        Set<String> names = new TreeSet<>();
        for (String name : shardNames) {
            Objects.requireNonNull(name, "shard name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("shard name must not be empty");
            }
            names.add(name);
        }
        List<Point> points = new ArrayList<>(names.size() * virtualNodes);
        for (String name : names) {
            for (int i = 0; i < virtualNodes; i++) {
                // Point names are hashed whole: a '{' in a shard name is not a hash tag.
                byte[] label = (name + "#" + i).getBytes(StandardCharsets.UTF_8);
                points.add(new Point(RollingHash.hash(label), name));
            }
        }
        return fromPoints(points);
    }

    /** A ring of exactly these points, in any order; lets tests build rings with colliding hashes. */
    static HashRing fromPoints(Collection<Point> points) {
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(RING_ORDER);
        return new HashRing(sorted);
    }

    /** The shard owning {@code key}: the owner of the first point whose hash is greater than {@link #keyHash}. */
    public String shardFor(byte[] key) {
        return shardForHash(keyHash(key));
    }

    /** The ring position of {@code key}: the hash of its {@code {tag}} if it has a non-empty one, else of the whole key. */
    public long keyHash(byte[] key) {
        HashTag.Range range = HashTag.rangeOf(key);
        return RollingHash.hash(key, range.from(), range.to());
    }

    /** The owner of the first point whose hash is strictly greater than {@code hash} (unsigned), wrapping to the first point. */
    public String shardForHash(long hash) {
        if (hashes.length == 0) {
            throw new IllegalStateException("hash ring has no shards: cannot route a key until at least one shard is added");
        }
        // Upper bound: the first index whose hash is > hash, comparing as unsigned 64-bit values. Every
        // point before the hash's arc is below the arc's start, which is at most hash.
        int i = arcStart[(int) (hash >>> indexShift)];
        while (i < hashes.length && Long.compareUnsigned(hashes[i], hash) <= 0) {
            i++;
        }
        // Past the largest point: wrap around to the smallest. For tied hashes this picks the first of the
        // tie in RING_ORDER, i.e. the smallest shard name.
        return owners[i == hashes.length ? 0 : i];
    }

    /**
     * A stretch of the hash space whose owner differs between two rings: key hashes from
     * {@code from} (inclusive) to {@code to} (exclusive, unsigned; wrapping past 2^64 when
     * {@code to <= from}) belong to {@code before} on one ring and to {@code after} on the other.
     */
    public record Move(long from, long to, String before, String after) {
    }

    /**
     * The stretches of the hash space that change owner from this ring to {@code next}, in hash
     * order, adjacent stretches with the same owners merged. Between two consecutive points of
     * either ring both owners are constant, so the union of their points bounds every stretch.
     */
    public List<Move> movesTo(HashRing next) {
        // Unsigned order: flipping the sign bit makes a signed sort an unsigned one.
        long[] sorted = LongStream.concat(Arrays.stream(hashes), Arrays.stream(next.hashes))
                .map(b -> b ^ Long.MIN_VALUE).sorted().distinct().map(b -> b ^ Long.MIN_VALUE).toArray();
        List<Move> moves = new ArrayList<>();
        int n = sorted.length;
        for (int i = 0; i < n; i++) {
            long from = sorted[i];
            long to = sorted[(i + 1) % n];
            String before = shardForHash(from);
            String after = next.shardForHash(from);
            if (before.equals(after)) {
                continue;
            }
            Move last = moves.isEmpty() ? null : moves.getLast();
            if (last != null && last.to() == from && last.before().equals(before) && last.after().equals(after)) {
                moves.set(moves.size() - 1, new Move(last.from(), to, before, after));
            } else {
                moves.add(new Move(from, to, before, after));
            }
        }
        return moves;
    }

    /** The shard names, sorted. */
    public Set<String> shards() {
        return shards;
    }

    /** Every virtual point in ring order (ascending unsigned hash, ties by shard name). */
    public List<Point> points() {
        return points;
    }

    /**
     * The fraction of the 2^64 hash space each shard owns, by shard name (sorted); the values sum to 1.
     * Empty for an empty ring.
     */
    public Map<String, Double> shareOfHashSpace() {
        Map<String, Double> share = new LinkedHashMap<>();
        for (String shard : shards) {
            share.put(shard, 0.0);
        }
        int n = hashes.length;
        for (int i = 0; i < n; i++) {
            // Point i owns the keys in [hashes[i-1], hashes[i]); point 0 also owns the wrap-around
            // [last, 2^64) + [0, first). Long subtraction is arithmetic mod 2^64, exactly the arc length,
            // except that a ring whose points all share one hash has arc 0 where it should be 2^64.
            long arc = hashes[i] - hashes[(i + n - 1) % n];
            double fraction = (arc == 0 && i == 0 && hashes[0] == hashes[n - 1]) ? 1.0 : unsignedToDouble(arc) / 0x1p64;
            share.merge(owners[i], fraction, Double::sum);
        }
        return Collections.unmodifiableMap(share);
    }

    private static double unsignedToDouble(long v) {
        // Halve, convert, double back: the low bit is below double's precision at this magnitude anyway.
        return v >= 0 ? (double) v : ((v >>> 1) | (v & 1)) * 2.0;
    }

    @Override
    public String toString() {
        return "HashRing" + shards + " (" + hashes.length + " points)";
    }
}
