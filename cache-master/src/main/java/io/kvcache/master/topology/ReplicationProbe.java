package io.kvcache.master.topology;

import java.net.InetSocketAddress;

import io.kvcache.cluster.ReplicationStatus;

/** Asks a replica for its replication state right now (over its HTTP port); null when it cannot answer. */
@FunctionalInterface
public interface ReplicationProbe {

    ReplicationStatus state(InetSocketAddress http);
}
