package io.kvcache.master.topology;

import io.kvcache.ring.HashRing;

/**
 * The hash ring as a Spring bean: the ring of the current topology, rebuilt by the registry
 * whenever the set of shards changes.
 */
public final class ClusterRing {

    private final TopologyRegistry registry;

    public ClusterRing(TopologyRegistry registry) {
        this.registry = registry;
    }

    /** The current ring, or null while no shard has enrolled. */
    public HashRing current() {
        return registry.current().ring();
    }
}
