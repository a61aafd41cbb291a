package io.kvcache.master.metrics;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;

import io.kvcache.command.Clients;
import io.kvcache.master.rebalance.Rebalancer;
import io.kvcache.master.routing.Router;
import io.kvcache.master.topology.TopologyRegistry;
import io.kvcache.metrics.PrometheusLint;

/** The master's meters, tagged role=master (the slaves' are role=slave). */
@Configuration(proxyBeanMethods = false)
class MasterMetricsConfiguration {

    @Bean
    MasterMetrics masterMetrics(Router router, Clients clientSessions, TopologyRegistry topology,
                                Rebalancer rebalancer) {
        return new MasterMetrics(router, clientSessions, topology, rebalancer);
    }

    @Bean
    MeterFilter masterTags() {
        return MeterFilter.commonTags(Tags.of("role", "master"));
    }

    @Bean
    PrometheusLint prometheusLint() {
        return new PrometheusLint();
    }
}
