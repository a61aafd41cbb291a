package io.kvcache.master.admin;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;

/** What the admin API and the topology endpoint show of the cluster (JSON via Jackson). */
public record TopologyView(long version, boolean allShardsUp, List<ShardView> shards) {

    /**
     * @param epoch the shard's election epoch
     * @param inSync the replicas an election may pick if the primary dies (null: not known yet)
     * @param minReplicasToWrite the primary's min-replicas-to-write (null: not known yet)
     */
    public record ShardView(String name, boolean up, String primary, long epoch, List<String> inSync,
                            Integer minReplicasToWrite, List<ReplicaView> replicas) {
    }

    /**
     * @param replicationOffset how far into the shard's stream it is, as of its last heartbeat
     * @param lag bytes of the stream its primary had and it had not, as of their last heartbeats
     * @param synced whether it holds a complete copy (false before and during its full sync)
     */
    public record ReplicaView(String id, String role, String state, String dataAddress, String httpAddress,
                              Instant enrolledAt, Instant lastHeartbeat, Long keys, long replicationOffset,
                              long lag, boolean synced) {
    }

    static TopologyView of(Topology topology, Map<Replica, Long> keysByReplica) {
        List<ShardView> shards = topology.orderedShards().stream().map(s -> shard(s, keysByReplica)).toList();
        return new TopologyView(topology.version(), topology.allShardsUp(), shards);
    }

    private static ShardView shard(Shard shard, Map<Replica, Long> keysByReplica) {
        Replica primary = shard.primary();
        long primaryOffset = primary == null ? 0 : primary.report().offset();
        List<ReplicaView> replicas = shard.replicas().stream().map(r -> new ReplicaView(r.id(),
                r == primary ? "primary" : "replica", r.state().name(), address(r.dataAddress()),
                address(r.httpAddress()), Instant.ofEpochMilli(r.enrolledAtMillis()),
                Instant.ofEpochMilli(r.lastHeartbeatMillis()), keysByReplica.get(r), r.report().offset(),
                primary == null ? 0 : Math.max(0, primaryOffset - r.report().offset()), r.report().synced()))
                .toList();
        return new ShardView(shard.name(), shard.isUp(), primary == null ? null : primary.id(), shard.epoch(),
                shard.inSync(), shard.minReplicasToWrite(), replicas);
    }

    private static String address(java.net.InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
