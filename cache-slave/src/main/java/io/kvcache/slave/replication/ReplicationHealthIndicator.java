package io.kvcache.slave.replication;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

import io.kvcache.cluster.ReplicationStatus;

/**
 * The "replication" health component, part of the readiness group: a slave is ready when it is
 * its shard's primary or holds a synced copy, so Kubernetes rolls the next pod of a shard only
 * once this one caught up. A slave on its own (no master) is always ready.
 */
@Component("replication")
class ReplicationHealthIndicator extends AbstractHealthIndicator {

    private final ObjectProvider<ReplicationManager> manager;

    ReplicationHealthIndicator(ObjectProvider<ReplicationManager> manager) {
        this.manager = manager;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        ReplicationManager m = manager.getIfAvailable();
        if (m == null) {
            builder.up().withDetail("role", "standalone");
            return;
        }
        ReplicationStatus state = m.state();
        (state.primary() || state.synced() ? builder.up() : builder.outOfService())
                .withDetail("role", state.primary() ? "primary" : "replica")
                .withDetail("epoch", state.epoch())
                .withDetail("synced", state.synced())
                .withDetail("offset", state.offset());
    }
}
