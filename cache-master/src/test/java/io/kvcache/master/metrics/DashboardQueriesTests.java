package io.kvcache.master.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The dashboard check must find every series a query names and nothing else. */
class DashboardQueriesTests {

    @Test
    void findsSeriesButNotFunctionsLabelsRangesOrNumbers() {
        assertThat(DashboardQueries.metricNames("histogram_quantile(0.99, sum by (le, cmd) "
                + "(rate(kvcache_command_latency_seconds_bucket{role=\"master\", cmd=~\"get|set\"}[$__rate_interval])))"))
                .containsExactly("kvcache_command_latency_seconds_bucket");
        assertThat(DashboardQueries.metricNames("sum(rate(redis_keyspace_hits_total[5m])) / (sum(rate("
                + "redis_keyspace_hits_total[5m])) + sum(rate(redis_keyspace_misses_total[5m])))"))
                .containsExactly("redis_keyspace_hits_total", "redis_keyspace_misses_total");
        assertThat(DashboardQueries.metricNames("up{job=\"kvcache-master\"} == 1 and on (instance) kvcache_shards"))
                .containsExactly("up", "kvcache_shards");
        assertThat(DashboardQueries.metricNames("sum(increase(kvcache_failovers_total[1h])) offset 5m"))
                .containsExactly("kvcache_failovers_total");
    }
}
