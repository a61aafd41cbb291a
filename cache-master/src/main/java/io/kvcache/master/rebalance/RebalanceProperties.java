package io.kvcache.master.rebalance;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the master places keys on shards ({@code kvcache.rebalance.*}).
 *
 * @param autoJoin a shard that enrolls joins the ring by itself; when false it waits for
 *                 {@code POST /admin/shards/{shard}}
 * @param interval how often the master checks for shards to join and for a move's progress
 * @param settleTimeout how long a client's command may wait for its keys to be moved at once
 */
@ConfigurationProperties("kvcache.rebalance")
public record RebalanceProperties(
        @DefaultValue("true") boolean autoJoin,
        @DefaultValue("250ms") Duration interval,
        @DefaultValue("5s") Duration settleTimeout) {
}
