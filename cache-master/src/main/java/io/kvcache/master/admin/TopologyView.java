package io.kvcache.master.admin;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;

/** What the admin API and the topology endpoint show of the cluster (JSON via Jackson). */
public record TopologyView(long version, boolean allShardsUp, List<ShardView> shards) {

    public record ShardView(String name, boolean up, String primary, List<ReplicaView> replicas) {
    }

    public record ReplicaView(String id, String role, String state, String dataAddress, String httpAddress,
                              Instant enrolledAt, Instant lastHeartbeat, Long keys) {
    }

    static TopologyView of(Topology topology, Map<Replica, Long> keysByReplica) {
        List<ShardView> shards = topology.orderedShards().stream().map(s -> shard(s, keysByReplica)).toList();
        return new TopologyView(topology.version(), topology.allShardsUp(), shards);
    }

    private static ShardView shard(Shard shard, Map<Replica, Long> keysByReplica) {
        Replica primary = shard.primary();
        List<ReplicaView> replicas = shard.replicas().stream().map(r -> new ReplicaView(r.id(),
                r == primary ? "primary" : "replica", r.state().name(), address(r.dataAddress()),
                address(r.httpAddress()), Instant.ofEpochMilli(r.enrolledAtMillis()),
                Instant.ofEpochMilli(r.lastHeartbeatMillis()), keysByReplica.get(r))).toList();
        return new ShardView(shard.name(), shard.isUp(), primary == null ? null : primary.id(), replicas);
    }

    private static String address(java.net.InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
