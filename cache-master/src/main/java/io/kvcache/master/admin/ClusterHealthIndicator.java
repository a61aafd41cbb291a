package io.kvcache.master.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;

/** The "cluster" health component: UP only when every shard has a live replica. */
@Component("cluster")
class ClusterHealthIndicator extends AbstractHealthIndicator {

    private final TopologyRegistry registry;

    ClusterHealthIndicator(TopologyRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Topology topology = registry.current();
        Map<String, Object> shards = new LinkedHashMap<>();
        for (Shard shard : topology.orderedShards()) {
            shards.put(shard.name(), Map.of("up", shard.isUp(), "liveReplicas", shard.liveReplicas().size(),
                    "replicas", shard.replicas().size()));
        }
        (topology.allShardsUp() ? builder.up() : builder.down()).withDetail("shards", shards);
    }
}
