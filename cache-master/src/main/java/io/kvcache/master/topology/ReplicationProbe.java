package io.kvcache.master.topology;

import java.net.InetSocketAddress;

/** Asks a replica for its replication state right now (over its HTTP port); null when it cannot answer. */
@FunctionalInterface
public interface ReplicationProbe {

    ReplicaReport state(InetSocketAddress http);
}
