package io.kvcache.slave.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.kvcache.command.Clients;
import io.kvcache.command.CommandTable;
import io.kvcache.command.ConnectionCommands;
import io.kvcache.command.Handlers;
import io.kvcache.pubsub.PubSub;
import io.kvcache.pubsub.PubSubCommands;
import io.kvcache.config.ConfigParameter;
import io.kvcache.slave.dispatch.ConfigCommands;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.dispatch.InfoReport;
import io.kvcache.slave.dispatch.ServerCommands;
import io.kvcache.slave.store.ActiveExpiry;
import io.kvcache.slave.store.DataCommands;
import io.kvcache.slave.store.Eviction;
import io.kvcache.slave.store.HeapBudget;
import io.kvcache.slave.store.Keyspace;

/** The store, the command families bound to the one command table, and the dispatcher. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SlaveProperties.class)
class StoreConfiguration {

    @Bean
    Keyspace keyspace() {
        return new Keyspace(System::currentTimeMillis);
    }

    @Bean
    Clients clients(SlaveProperties properties) {
        return new Clients(properties.maxclients());
    }

    /**
     * maxmemory and the policy as configured; a value Redis would refuse, or a maxmemory the heap
     * cannot hold ({@link HeapBudget}), stops the slave from starting.
     */
    @Bean
    Eviction eviction(Keyspace keyspace, SlaveProperties properties) {
        Map<ConfigParameter, String> values = new LinkedHashMap<>();
        values.put(ConfigParameter.MAXMEMORY_POLICY, properties.maxmemoryPolicy());
        values.put(ConfigParameter.MAXMEMORY_SAMPLES, Integer.toString(properties.maxmemorySamples()));
        values.put(ConfigParameter.LFU_LOG_FACTOR, Integer.toString(properties.lfuLogFactor()));
        values.put(ConfigParameter.LFU_DECAY_TIME, Integer.toString(properties.lfuDecayTime()));
        values.put(ConfigParameter.MAXMEMORY, properties.maxmemory());
        Eviction eviction = new Eviction(keyspace);
        for (Map.Entry<ConfigParameter, String> e : values.entrySet()) {
            String property = "kvcache.slave." + e.getKey().redisName();
            String canonical;
            try {
                canonical = e.getKey().canonical(e.getValue());
            } catch (ConfigParameter.InvalidValue invalid) {
                throw new IllegalStateException(property + "=" + e.getValue() + ": " + invalid.getMessage());
            }
            if (e.getKey() == ConfigParameter.MAXMEMORY && HeapBudget.refusal(Long.parseLong(canonical)) != null) {
                throw new IllegalStateException(property + "=" + e.getValue() + ": "
                        + HeapBudget.refusal(Long.parseLong(canonical)));
            }
            ConfigCommands.apply(eviction, e.getKey(), canonical);
        }
        return eviction;
    }

    /**
     * The store's commands. In a cluster (a cluster secret is set) the data port's clients must AUTH
     * with the cluster secret first, as the master's links do when they open: every other command
     * gets Redis's {@code -NOAUTH Authentication required.} until then (docs/security.md).
     */
    @Bean
    CommandDispatcher commandDispatcher(Keyspace keyspace, Clients clients, SlaveProperties properties,
                                        Eviction eviction, PubSub pubsub,
                                        @Value("${kvcache.cluster.secret:}") String clusterSecret,
                                        // a lone slave (no cluster) has no replication beans
                                        @Value("${kvcache.replication.min-replicas-to-write:0}") int minReplicasToWrite) {
        CommandTable table = CommandTable.standard();
        AtomicReference<CommandDispatcher> self = new AtomicReference<>();
        InfoReport info = new InfoReport(keyspace, clients, properties.port(), self::get);
        Handlers handlers = new Handlers();
        ConnectionCommands connection = new ConnectionCommands(table, clients, clusterSecret, "cluster");
        connection.register(handlers);
        new ServerCommands(keyspace, info).register(handlers);
        new PubSubCommands(pubsub).register(handlers);
        DataCommands.register(handlers, keyspace, eviction, properties.protoMaxBulkLen().toBytes(),
                !clusterSecret.isEmpty());
        new ConfigCommands(eviction, keyspace, fixedSettings(properties, minReplicasToWrite), self::get)
                .register(handlers);
        CommandDispatcher dispatcher = new CommandDispatcher(table, connection, keyspace, handlers, eviction);
        dispatcher.keyspaceEvents(pubsub);
        self.set(dispatcher);
        return dispatcher;
    }

    /** The data port's channels and their subscribers (the masters' relays, and any client of the port). */
    @Bean
    PubSub pubsub() {
        return new PubSub();
    }

    /** What CONFIG GET answers for the settings fixed at start. */
    static Map<ConfigParameter, String> fixedSettings(SlaveProperties p, int minReplicasToWrite) {
        Map<ConfigParameter, String> fixed = new LinkedHashMap<>();
        fixed.put(ConfigParameter.REPLICA_IGNORE_MAXMEMORY, "yes");
        fixed.put(ConfigParameter.DATABASES, "1");
        fixed.put(ConfigParameter.MAXCLIENTS, "10000");
        fixed.put(ConfigParameter.PORT, Integer.toString(p.port()));
        fixed.put(ConfigParameter.BIND, p.bind());
        fixed.put(ConfigParameter.HZ, Integer.toString(p.hz()));
        fixed.put(ConfigParameter.PROTO_MAX_BULK_LEN, Long.toString(p.protoMaxBulkLen().toBytes()));
        fixed.put(ConfigParameter.CLIENT_QUERY_BUFFER_LIMIT, Long.toString(p.clientQueryBufferLimit().toBytes()));
        fixed.put(ConfigParameter.MIN_REPLICAS_TO_WRITE, Integer.toString(Math.max(0, minReplicasToWrite)));
        fixed.put(ConfigParameter.SAVE, "");
        fixed.put(ConfigParameter.APPENDONLY, "no");
        return fixed;
    }

    @Bean
    ActiveExpiry activeExpiry(Keyspace keyspace, CommandDispatcher dispatcher, SlaveProperties properties) {
        return new ActiveExpiry(keyspace, dispatcher, properties.hz());
    }
}
