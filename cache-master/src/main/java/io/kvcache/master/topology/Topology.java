package io.kvcache.master.topology;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

import io.kvcache.cluster.Placement;
import io.kvcache.ring.HashRing;

/**
 * An immutable snapshot of the cluster: its shards (by name, every shard that enrolled or is
 * placed) and the placement of keys on them with its rings. Routing reads one snapshot per
 * batch; every change publishes a new one.
 */
public record Topology(long version, Map<String, Shard> shards, Placement.Rings rings) {

    public static final Topology EMPTY = new Topology(0, Map.of(), Placement.Rings.NONE);

    /** The committed ring (ring A), or null before the first. */
    public HashRing ring() {
        return rings.ring();
    }

    public Placement placement() {
        return rings.placement();
    }

    /** The shard holding this key unless it moved: its owner on ring A; null when there is no ring yet. */
    public Shard shardFor(byte[] key) {
        String owner = rings.owner(key);
        return owner == null ? null : shards.get(owner);
    }

    /** The key's owner once the move under way is done (ring B), or its owner when none is. */
    public Shard finalShardFor(byte[] key) {
        String owner = rings.finalOwner(key);
        return owner == null ? null : shards.get(owner);
    }

    /** Every shard in name order, placed or only enrolled. */
    public List<Shard> orderedShards() {
        return shards.values().stream().sorted(Comparator.comparing(Shard::name)).toList();
    }

    /**
     * The shards that hold keys (ring A, and ring B while keys move), in name order (stable: SCAN
     * cursors index into it).
     */
    public List<Shard> placedShards() {
        return rings.placement().shards().stream().map(shards::get).toList();
    }

    /** True when there is a ring and every shard holding keys has a live primary. */
    public boolean allShardsUp() {
        List<Shard> placed = placedShards();
        return !placed.isEmpty() && placed.stream().allMatch(Shard::isUp);
    }

    public boolean isMoving() {
        return rings.isMoving();
    }
}
