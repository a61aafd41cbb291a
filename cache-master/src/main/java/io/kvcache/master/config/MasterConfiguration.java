package io.kvcache.master.config;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.kvcache.command.Clients;
import io.kvcache.io.IoLoops;
import io.kvcache.command.CommandTable;
import io.kvcache.command.ConnectionCommands;
import io.kvcache.master.rebalance.RebalanceProperties;
import io.kvcache.master.rebalance.Rebalancer;
import io.kvcache.master.rebalance.SlaveMigrationClient;
import io.kvcache.master.routing.ClusterConfig;
import io.kvcache.master.routing.MasterInfo;
import io.kvcache.master.routing.ClusterCommands;
import io.kvcache.master.routing.Router;
import io.kvcache.master.pubsub.PubSubRelay;
import io.kvcache.master.tracking.ClientTracking;
import io.kvcache.pubsub.PubSub;
import io.kvcache.master.topology.ClusterRing;
import io.kvcache.master.topology.HttpReplicationProbe;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.master.upstream.UpstreamSettings;
import io.kvcache.protocol.RespWriter;

/** The topology, the hash ring bean, the router, and the heartbeat monitor. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({MasterProperties.class, ClusterProperties.class, RebalanceProperties.class})
public class MasterConfiguration {

    /** The client port's I/O threads; each also owns its links to the shards (Envoy's per-worker pools). */
    @Bean(destroyMethod = "close")
    IoLoops ioLoops(MasterProperties properties) {
        return new IoLoops("client-io", properties.ioThreadCount());
    }

    @Bean
    TopologyRegistry topologyRegistry(MasterProperties properties, ClusterProperties cluster, IoLoops ioLoops) {
        // Every link to a slave's data port authenticates with the cluster secret before anything else.
        byte[] auth = cluster.secret().isEmpty() ? null
                : new RespWriter(64).array(2).bulk("AUTH").bulk(cluster.secret()).toByteArray();
        UpstreamSettings upstream = new UpstreamSettings(ioLoops, 1000, properties.replyTimeout().toMillis(), auth);
        return new TopologyRegistry(upstream, System::currentTimeMillis,
                new HttpReplicationProbe(cluster.secret(), java.time.Duration.ofMillis(500)),
                properties.electionGrace().toMillis(), properties.uncleanElection());
    }

    /** The hash ring as a bean: always the ring of the current topology. */
    @Bean
    ClusterRing clusterRing(TopologyRegistry registry) {
        return new ClusterRing(registry);
    }

    @Bean
    SlaveMigrationClient slaveMigrationClient(ClusterProperties cluster, RebalanceProperties rebalance) {
        return new SlaveMigrationClient(cluster.secret(), java.time.Duration.ofMillis(500), rebalance.settleTimeout());
    }

    /** Places keys on shards: joins, drains, and the moves between them. */
    @Bean
    Rebalancer rebalancer(TopologyRegistry registry, SlaveMigrationClient slaveMigrationClient,
                          RebalanceProperties properties) {
        return new Rebalancer(registry, slaveMigrationClient, properties, System::currentTimeMillis);
    }

    @Bean
    Clients clientSessions(MasterProperties properties) {
        return new Clients(properties.maxclients());
    }

    @Bean
    MasterInfo masterInfo(Clients clientSessions, MasterProperties properties) {
        return new MasterInfo(clientSessions, properties.port());
    }

    /** The channels and patterns the master's clients subscribe to. */
    @Bean
    PubSub pubsub() {
        return new PubSub();
    }

    /** Subscribes the master, on every shard's primary, to what its clients subscribe to. */
    @Bean
    PubSubRelay pubSubRelay(PubSub pubsub, TopologyRegistry registry) {
        return new PubSubRelay(pubsub, registry);
    }

    @Bean
    Router router(TopologyRegistry registry, Clients clientSessions, MasterProperties properties, MasterInfo info,
                  SlaveMigrationClient slaveMigrationClient, PubSub pubsub, PubSubRelay relay) {
        CommandTable table = CommandTable.standard();
        ConnectionCommands connection = new ConnectionCommands(table, clientSessions, properties.requirepass(),
                "cluster");
        return new Router(table, connection, registry, info,
                new ClusterConfig(registry, properties.replyTimeout().toMillis()), properties.replyTimeout().toMillis(),
                slaveMigrationClient, pubsub, new ClusterCommands(registry), new ClientTracking(pubsub, clientSessions));
    }

    /** Marks replicas down when their heartbeats stop (checked a few times per timeout). */
    @Bean
    SmartLifecycle heartbeatMonitor(TopologyRegistry registry, MasterProperties properties) {
        return new SmartLifecycle() {
            private ScheduledExecutorService scheduler;

            @Override
            public void start() {
                long timeout = properties.heartbeatTimeout().toMillis();
                long period = Math.max(50, timeout / 6);
                scheduler = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().name("heartbeat-monitor").daemon().factory());
                scheduler.scheduleAtFixedRate(() -> registry.expireHeartbeats(timeout), period, period,
                        TimeUnit.MILLISECONDS);
            }

            @Override
            public void stop() {
                scheduler.shutdownNow();
                scheduler = null;
            }

            @Override
            public boolean isRunning() {
                return scheduler != null;
            }
        };
    }
}
