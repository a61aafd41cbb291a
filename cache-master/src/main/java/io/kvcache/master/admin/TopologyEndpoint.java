package io.kvcache.master.admin;

import java.util.Map;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

import io.kvcache.master.topology.TopologyRegistry;

/** The actuator {@code topology} endpoint: shards, replicas, roles and states. */
@Component
@Endpoint(id = "topology")
class TopologyEndpoint {

    private final TopologyRegistry registry;

    TopologyEndpoint(TopologyRegistry registry) {
        this.registry = registry;
    }

    @ReadOperation
    TopologyView topology() {
        return TopologyView.of(registry.current(), Map.of());
    }
}
