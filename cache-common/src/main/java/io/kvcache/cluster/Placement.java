package io.kvcache.cluster;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

import io.kvcache.ring.HashRing;

/**
 * Which shards own the hash space: the committed ring, and while keys move, the ring they move
 * to. The master decides it and every slave holds a copy (docs/rebalancing.md). Each change has
 * a higher version, so a restarted master adopts the newest placement any slave reports.
 * <p>
 * With no target, a key belongs to its owner on the committed ring. During a move from ring A
 * (committed) to ring B (target), a key whose owner differs is still served by its A owner while
 * that shard holds it, and by its B owner once it has moved.
 *
 * @param version grows with every change; 0 before the first ring
 * @param committed the shards of ring A, sorted
 * @param target the shards of ring B, sorted; empty when no keys are moving
 */
public record Placement(long version, SortedSet<String> committed, SortedSet<String> target) {

    public static final Placement NONE = new Placement(0, new TreeSet<>(), new TreeSet<>());

    public Placement {
        committed = Collections.unmodifiableSortedSet(new TreeSet<>(committed));
        target = Collections.unmodifiableSortedSet(new TreeSet<>(target));
    }

    public static Placement committed(long version, Collection<String> shards) {
        return new Placement(version, new TreeSet<>(shards), new TreeSet<>());
    }

    /** A move from this placement's committed ring to {@code to}, at the next version. */
    public Placement moveTo(Collection<String> to) {
        if (isMoving()) {
            throw new IllegalStateException("keys are already moving to " + target);
        }
        return new Placement(version + 1, committed, new TreeSet<>(to));
    }

    /** The end of a move: the target becomes the committed ring, at the next version. */
    public Placement commit() {
        return committed(version + 1, isMoving() ? target : committed);
    }

    public boolean isMoving() {
        return !target.isEmpty();
    }

    /** Every shard that holds or will hold keys: A ∪ B. */
    public SortedSet<String> shards() {
        SortedSet<String> all = new TreeSet<>(committed);
        all.addAll(target);
        return Collections.unmodifiableSortedSet(all);
    }

    /** {@code version;a,b;a,b,c}: what travels in enrollment frames and ENROLL arguments. */
    public String format() {
        return version + ";" + String.join(",", committed) + ";" + String.join(",", target);
    }

    /** From {@link #format()}; the empty string is {@link #NONE}. IllegalArgumentException when malformed. */
    public static Placement parse(String text) {
        if (text.isEmpty()) {
            return NONE;
        }
        String[] parts = text.split(";", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("placement " + text);
        }
        return new Placement(Long.parseLong(parts[0]), names(parts[1]), names(parts[2]));
    }

    private static SortedSet<String> names(String list) {
        return list.isEmpty() ? new TreeSet<>() : new TreeSet<>(Arrays.asList(list.split(",")));
    }

    /** The rings of a placement, built once: routing asks them for every key. */
    public Rings rings() {
        return new Rings(this, committed.isEmpty() ? null : HashRing.of(committed),
                isMoving() ? HashRing.of(target) : null);
    }

    /**
     * A placement with its rings.
     *
     * @param ring ring A, null before the first ring
     * @param targetRing ring B, null when no keys move
     */
    public record Rings(Placement placement, HashRing ring, HashRing targetRing) {

        public static final Rings NONE = new Rings(Placement.NONE, null, null);

        /** The key's owner on ring A (who holds it unless it moved), or null before the first ring. */
        public String owner(byte[] key) {
            return ring == null ? null : ring.shardFor(key);
        }

        /** The key's owner once the move is done: on ring B while moving, else on ring A. */
        public String finalOwner(byte[] key) {
            return targetRing != null ? targetRing.shardFor(key) : owner(key);
        }

        /** Whether {@code shard} gives this key away in the move under way (one hash for both rings). */
        public boolean exports(String shard, byte[] key) {
            return exportsTo(shard, key) != null;
        }

        /** The shard {@code shard} gives this key to in the move under way, or null when it keeps it (or never had it). */
        public String exportsTo(String shard, byte[] key) {
            if (targetRing == null || ring == null) {
                return null;
            }
            long hash = ring.keyHash(key);
            if (!shard.equals(ring.shardForHash(hash))) {
                return null;
            }
            String to = targetRing.shardForHash(hash);
            return shard.equals(to) ? null : to;
        }

        /** Whether {@code shard} has any stretch of the hash space to give away in the move under way. */
        public boolean givesAway(String shard) {
            return isMoving() && ring.movesTo(targetRing).stream().anyMatch(m -> m.before().equals(shard));
        }

        public boolean isMoving() {
            return targetRing != null;
        }
    }
}
