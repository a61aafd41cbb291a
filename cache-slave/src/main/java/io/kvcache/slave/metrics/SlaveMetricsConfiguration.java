package io.kvcache.slave.metrics;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;

import io.kvcache.command.Clients;
import io.kvcache.metrics.PrometheusLint;
import io.kvcache.slave.config.SlaveProperties;
import io.kvcache.slave.dispatch.CommandDispatcher;
import io.kvcache.slave.replication.ReplicationManager;
import io.kvcache.slave.store.Keyspace;

/** The slave's meters, tagged role=slave, shard and replica, so one Prometheus tells the slaves apart. */
@Configuration(proxyBeanMethods = false)
class SlaveMetricsConfiguration {

    @Bean
    SlaveMetrics slaveMetrics(CommandDispatcher dispatcher, Keyspace keyspace, Clients clients,
                              ObjectProvider<ReplicationManager> replication) {
        return new SlaveMetrics(dispatcher, keyspace, clients, replication);
    }

    @Bean
    MeterFilter slaveTags(SlaveProperties properties) {
        return MeterFilter.commonTags(Tags.of("role", "slave", "shard", properties.shard(), "replica",
                properties.replicaId()));
    }

    @Bean
    PrometheusLint prometheusLint() {
        return new PrometheusLint();
    }
}
