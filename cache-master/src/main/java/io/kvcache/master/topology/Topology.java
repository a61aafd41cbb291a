package io.kvcache.master.topology;

import java.util.List;
import java.util.Map;

import io.kvcache.ring.HashRing;

/**
 * An immutable snapshot of the cluster: its shards (by name) and the hash ring over them.
 * Routing reads one snapshot per request; every change publishes a new one.
 */
public record Topology(long version, Map<String, Shard> shards, HashRing ring) {

    public static final Topology EMPTY = new Topology(0, Map.of(), null);

    /** The shard owning this key, or null when there is no shard at all. */
    public Shard shardFor(byte[] key) {
        return ring == null ? null : shards.get(ring.shardFor(key));
    }

    /** Shards in name order (stable: SCAN cursors index into it). */
    public List<Shard> orderedShards() {
        return shards.values().stream().sorted(java.util.Comparator.comparing(Shard::name)).toList();
    }

    public boolean allShardsUp() {
        return !shards.isEmpty() && shards.values().stream().allMatch(Shard::isUp);
    }
}
