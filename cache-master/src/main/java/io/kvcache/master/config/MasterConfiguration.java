package io.kvcache.master.config;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.kvcache.command.Clients;
import io.kvcache.command.CommandTable;
import io.kvcache.command.ConnectionCommands;
import io.kvcache.master.routing.ClusterConfig;
import io.kvcache.master.routing.MasterInfo;
import io.kvcache.master.routing.Router;
import io.kvcache.master.topology.ClusterRing;
import io.kvcache.master.topology.HttpReplicationProbe;
import io.kvcache.master.topology.TopologyRegistry;

/** The topology, the hash ring bean, the router, and the heartbeat monitor. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({MasterProperties.class, ClusterProperties.class})
public class MasterConfiguration {

    @Bean
    TopologyRegistry topologyRegistry(MasterProperties properties, ClusterProperties cluster) {
        return new TopologyRegistry(properties.upstreamConnections(), 1000, System::currentTimeMillis,
                new HttpReplicationProbe(cluster.secret(), java.time.Duration.ofMillis(500)),
                properties.electionGrace().toMillis());
    }

    /** The hash ring as a bean: always the ring of the current topology. */
    @Bean
    ClusterRing clusterRing(TopologyRegistry registry) {
        return new ClusterRing(registry);
    }

    @Bean
    Clients clientSessions() {
        return new Clients();
    }

    @Bean
    MasterInfo masterInfo(Clients clientSessions, MasterProperties properties) {
        return new MasterInfo(clientSessions, properties.port());
    }

    @Bean
    Router router(TopologyRegistry registry, Clients clientSessions, MasterProperties properties, MasterInfo info) {
        CommandTable table = CommandTable.standard();
        ConnectionCommands connection = new ConnectionCommands(table, clientSessions, properties.requirepass(),
                "cluster");
        return new Router(table, connection, registry, info,
                new ClusterConfig(registry, properties.replyTimeout().toMillis()), properties.replyTimeout().toMillis());
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
