package io.kvcache.master.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.kvcache.command.Clients;
import io.kvcache.master.rebalance.Rebalancer;
import io.kvcache.master.routing.Router;
import io.kvcache.master.topology.Replica;
import io.kvcache.master.topology.Shard;
import io.kvcache.master.topology.Topology;
import io.kvcache.master.topology.TopologyRegistry;

/**
 * The master's series: commands as its clients see them (end to end, under redis_exporter's
 * names), and the cluster under {@code kvcache_*}: shards and replicas up, elections, replication
 * offsets and lag per replica from their heartbeats, requests in flight and lost per shard.
 * Per-shard and per-replica rows follow the topology: re-registered when a shard or replica
 * appears or goes, read from the current topology at each scrape.
 */
class MasterMetrics implements MeterBinder {

    private final Router router;
    private final Clients clients;
    private final TopologyRegistry topology;
    private final Rebalancer rebalancer;
    private final Set<String> countedShards = new HashSet<>();
    private Set<String> rowKeys = Set.of();
    private MeterRegistry registry;
    private MultiGauge shardUp;
    private MultiGauge shardEpoch;
    private MultiGauge queueDepth;
    private MultiGauge replicaUp;
    private MultiGauge replicationOffset;
    private MultiGauge replicationLag;

    MasterMetrics(Router router, Clients clientSessions, TopologyRegistry topology, Rebalancer rebalancer) {
        this.router = router;
        this.rebalancer = rebalancer;
        this.clients = clientSessions;
        this.topology = topology;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        router.stats().bindTo(registry);
        Gauge.builder("redis.connected.clients", clients, Clients::connected)
                .description("Client connections open (INFO connected_clients)").register(registry);
        FunctionCounter.builder("redis.connections.received", clients, Clients::totalConnectionsReceived)
                .description("Client connections accepted (INFO total_connections_received)").register(registry);
        FunctionCounter.builder("kvcache.unsupported.commands", router, Router::unknownCommands)
                .description("Requests naming a command kvcache does not have").register(registry);
        FunctionCounter.builder("kvcache.enrollments", topology, TopologyRegistry::enrollments)
                .description("Slave enrollments accepted, re-enrollments included").register(registry);
        Gauge.builder("kvcache.shards", topology, t -> t.current().placement().committed().size())
                .description("Shards on the hash ring").register(registry);
        Gauge.builder("kvcache.rebalance.running", rebalancer, r -> r.moving() ? 1 : 0)
                .description("1 while keys move between shards").register(registry);
        FunctionCounter.builder("kvcache.rebalance.keys.moved", rebalancer, Rebalancer::keysMovedTotal)
                .description("Keys moved to another shard by rebalances, as the sources report").register(registry);
        Gauge.builder("kvcache.rebalance.keys.remaining", rebalancer, Rebalancer::keysRemaining)
                .description("Keys the rebalance under way has still to move").register(registry);
        FunctionCounter.builder("kvcache.rebalances", rebalancer, Rebalancer::completed)
                .description("Rebalances this master carried to their end").register(registry);
        shardUp = MultiGauge.builder("kvcache.shard.up")
                .description("1 while the shard has a confirmed, live primary").register(registry);
        shardEpoch = MultiGauge.builder("kvcache.shard.epoch")
                .description("The shard's election epoch").register(registry);
        queueDepth = MultiGauge.builder("kvcache.proxy.queue.depth")
                .description("Requests sent to the shard's slaves and not answered yet").register(registry);
        replicaUp = MultiGauge.builder("kvcache.replica.up")
                .description("1 while the replica is enrolled and beating").register(registry);
        replicationOffset = MultiGauge.builder("kvcache.replication.offset").baseUnit("bytes")
                .description("The replica's replication offset, as of its last heartbeat").register(registry);
        replicationLag = MultiGauge.builder("kvcache.replication.lag").baseUnit("bytes")
                .description("Stream bytes the shard's primary has and the replica has not, as of their heartbeats")
                .register(registry);
        synchronized (this) {
            this.registry = registry;
        }
        topology.onPublished(this::follow);
    }

    /** Registers rows for shards and replicas not seen before and drops those gone. */
    private synchronized void follow(Topology t) {
        if (registry == null) {
            return;
        }
        Set<String> keys = new HashSet<>();
        for (Shard shard : t.orderedShards()) {
            keys.add(shard.name());
            shard.replicas().forEach(r -> keys.add(shard.name() + "/" + r.id()));
            if (countedShards.add(shard.name())) {
                String name = shard.name();
                FunctionCounter.builder("kvcache.failovers", topology, reg -> reg.failovers(name)).tag("shard", name)
                        .description("Elections that replaced the shard's primary").register(registry);
                FunctionCounter.builder("kvcache.forward.errors", topology, reg -> reg.upstreamStats(name).lostTotal())
                        .tag("shard", name)
                        .description("Requests to the shard that failed because a connection to it broke")
                        .register(registry);
            }
        }
        if (keys.equals(rowKeys)) {
            return;
        }
        rowKeys = keys;
        List<MultiGauge.Row<?>> up = new ArrayList<>();
        List<MultiGauge.Row<?>> epoch = new ArrayList<>();
        List<MultiGauge.Row<?>> depth = new ArrayList<>();
        List<MultiGauge.Row<?>> replicas = new ArrayList<>();
        List<MultiGauge.Row<?>> offsets = new ArrayList<>();
        List<MultiGauge.Row<?>> lags = new ArrayList<>();
        for (Shard shard : t.orderedShards()) {
            String name = shard.name();
            Tags tags = Tags.of("shard", name);
            up.add(shardRow(tags, name, s -> s.isUp() ? 1 : 0));
            epoch.add(shardRow(tags, name, Shard::epoch));
            depth.add(MultiGauge.Row.of(tags, topology, reg -> reg.upstreamStats(name).inFlight()));
            for (Replica r : shard.replicas()) {
                Tags replicaTags = Tags.of("shard", name, "replica", r.id());
                replicas.add(replicaRow(replicaTags, name, r.id(), (s, x) -> x.isUp() ? 1 : 0));
                offsets.add(replicaRow(replicaTags, name, r.id(), (s, x) -> x.report().offset()));
                lags.add(replicaRow(replicaTags, name, r.id(), MasterMetrics::lag));
            }
        }
        shardUp.register(up, true);
        shardEpoch.register(epoch, true);
        queueDepth.register(depth, true);
        replicaUp.register(replicas, true);
        replicationOffset.register(offsets, true);
        replicationLag.register(lags, true);
    }

    private MultiGauge.Row<?> shardRow(Tags tags, String name, ToDoubleFunction<Shard> value) {
        return MultiGauge.Row.of(tags, topology, reg -> {
            Shard s = reg.current().shards().get(name);
            return s == null ? Double.NaN : value.applyAsDouble(s);
        });
    }

    private MultiGauge.Row<?> replicaRow(Tags tags, String shardName, String replicaId, ReplicaValue value) {
        return MultiGauge.Row.of(tags, topology, reg -> {
            Shard s = reg.current().shards().get(shardName);
            if (s == null) {
                return Double.NaN;
            }
            for (Replica r : s.replicas()) {
                if (r.id().equals(replicaId)) {
                    return value.of(s, r);
                }
            }
            return Double.NaN;
        });
    }

    private static double lag(Shard shard, Replica replica) {
        Replica primary = shard.primary();
        return primary == null ? 0 : Math.max(0, primary.report().offset() - replica.report().offset());
    }

    private interface ReplicaValue {
        double of(Shard shard, Replica replica);
    }
}
