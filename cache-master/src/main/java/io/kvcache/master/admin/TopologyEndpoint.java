package io.kvcache.master.admin;

import java.util.Map;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

import io.kvcache.master.rebalance.RebalanceView;
import io.kvcache.master.rebalance.Rebalancer;
import io.kvcache.master.topology.TopologyRegistry;

/** The actuator {@code topology} endpoint: shards, replicas, roles and states, and the rebalance. */
@Component
@Endpoint(id = "topology")
class TopologyEndpoint {

    private final TopologyRegistry registry;
    private final Rebalancer rebalancer;

    TopologyEndpoint(TopologyRegistry registry, Rebalancer rebalancer) {
        this.registry = registry;
        this.rebalancer = rebalancer;
    }

    /** The topology view's fields, and {@code rebalance} (as {@code GET /admin/rebalance}). */
    record View(long version, boolean allShardsUp, java.util.List<TopologyView.ShardView> shards,
                RebalanceView rebalance) {
    }

    @ReadOperation
    View topology() {
        TopologyView t = TopologyView.of(registry.current(), Map.of());
        return new View(t.version(), t.allShardsUp(), t.shards(), rebalancer.view());
    }
}
