package io.kvcache.master.topology;

import java.net.InetSocketAddress;

import io.kvcache.cluster.ReplicationStatus;
import io.kvcache.master.upstream.UpstreamPool;

/**
 * One replica of a shard as the master sees it, in one topology snapshot.
 *
 * @param enrolledAtMillis when it (last) enrolled; among equals, the earliest is elected
 * @param report its replication state as of its last heartbeat
 * @param pool the master's connections to its data port
 */
public record Replica(String shard, String id, InetSocketAddress dataAddress, InetSocketAddress httpAddress,
                      ReplicaState state, long enrolledAtMillis, long lastHeartbeatMillis, ReplicationStatus report,
                      UpstreamPool pool) {

    public boolean isUp() {
        return state == ReplicaState.UP;
    }

    Replica withState(ReplicaState newState) {
        return new Replica(shard, id, dataAddress, httpAddress, newState, enrolledAtMillis, lastHeartbeatMillis,
                report, pool);
    }

    Replica withHeartbeat(long millis, ReplicationStatus newReport) {
        return new Replica(shard, id, dataAddress, httpAddress, state, enrolledAtMillis, millis, newReport, pool);
    }
}
