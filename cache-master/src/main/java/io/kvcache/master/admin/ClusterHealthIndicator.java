package io.kvcache.master.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;

/**
 * The "cluster" health component: UP only when there is a ring and every shard holding keys has
 * a live primary. Its details list every shard (with whether it is on the ring) and the placement.
 */
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
                    "replicas", shard.replicas().size(), "placed",
                    topology.placement().shards().contains(shard.name())));
        }
        (topology.allShardsUp() ? builder.up() : builder.down()).withDetail("shards", shards)
                .withDetail("ring", topology.placement().committed())
                .withDetail("movingTo", topology.placement().target());
    }
}
