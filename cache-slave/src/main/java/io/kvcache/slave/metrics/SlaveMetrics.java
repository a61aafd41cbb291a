package io.kvcache.slave.metrics;

import org.springframework.beans.factory.ObjectProvider;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.kvcache.command.Clients;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.replication.ReplicationManager;
import io.kvcache.slave.store.Eviction;
import io.kvcache.slave.store.Keyspace;

/**
 * A slave's series, named as redis_exporter names the same INFO fields, so dashboards built for
 * Redis read them; every series also carries the slave's {@code shard} and {@code replica} tags
 * ({@link SlaveMetricsConfiguration}). Gauges read the store's counters without its lock: a scrape may be a
 * command behind, never torn (aligned longs and ints).
 */
class SlaveMetrics implements MeterBinder {

    private final CommandDispatcher dispatcher;
    private final Keyspace keyspace;
    private final Clients clients;
    private final ObjectProvider<ReplicationManager> replication;

    SlaveMetrics(CommandDispatcher dispatcher, Keyspace keyspace, Clients clients,
                 ObjectProvider<ReplicationManager> replication) {
        this.dispatcher = dispatcher;
        this.keyspace = keyspace;
        this.clients = clients;
        this.replication = replication;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        dispatcher.stats().bindTo(registry);
        Gauge.builder("redis.connected.clients", clients, Clients::connected)
                .description("Client connections open (INFO connected_clients)").register(registry);
        FunctionCounter.builder("redis.connections.received", clients, Clients::totalConnectionsReceived)
                .description("Client connections accepted (INFO total_connections_received)").register(registry);
        FunctionCounter.builder("redis.keyspace.hits", keyspace, Keyspace::hits)
                .description("Key lookups that found the key (INFO keyspace_hits)").register(registry);
        FunctionCounter.builder("redis.keyspace.misses", keyspace, Keyspace::misses)
                .description("Key lookups that did not (INFO keyspace_misses)").register(registry);
        FunctionCounter.builder("redis.expired.keys", keyspace, Keyspace::expiredKeys)
                .description("Keys deleted because their TTL passed (INFO expired_keys)").register(registry);
        Gauge.builder("redis.db.keys", keyspace, Keyspace::size).tag("db", "db0")
                .description("Keys held (INFO keyspace keys)").register(registry);
        Gauge.builder("redis.db.keys.expiring", keyspace, Keyspace::volatileCount).tag("db", "db0")
                .description("Keys with a TTL (INFO keyspace expires)").register(registry);
        Gauge.builder("redis.memory.used", keyspace, Keyspace::usedMemory)
                .baseUnit("bytes").description("Bytes the store holds, the figure maxmemory limits (INFO used_memory)")
                .register(registry);
        Eviction eviction = dispatcher.eviction();
        Gauge.builder("redis.memory.max", eviction, Eviction::maxmemory)
                .baseUnit("bytes").description("The store's limit, 0 for none (INFO maxmemory)").register(registry);
        FunctionCounter.builder("redis.evicted.keys", eviction, Eviction::evictedKeys)
                .description("Keys evicted to stay under maxmemory (INFO evicted_keys)").register(registry);
        ReplicationManager manager = replication.getIfAvailable();
        if (manager != null) {
            Gauge.builder("redis.master.repl.offset", manager, m -> m.state().offset())
                    .description("The end of this slave's replication stream (INFO master_repl_offset)")
                    .register(registry);
            Gauge.builder("kvcache.replication.primary", manager, m -> m.state().primary() ? 1 : 0)
                    .description("1 while this slave is its shard's primary, 0 while a replica").register(registry);
            Gauge.builder("kvcache.replication.synced", manager, m -> m.state().synced() ? 1 : 0)
                    .description("1 when this slave holds a synced copy of its shard").register(registry);
            Gauge.builder("redis.connected.slaves", manager, ReplicationManager::replicaCount)
                    .description("Replicas that pull this primary's stream (INFO connected_slaves)")
                    .register(registry);
        }
    }
}
