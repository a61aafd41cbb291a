package io.kvcache.slave.migration;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How a slave moves keys to other shards ({@code kvcache.migration.*}, docs/rebalancing.md).
 *
 * @param batchKeys most keys in one batch
 * @param batchSize most bytes of encoded keys in one batch (a larger key goes alone)
 * @param batchesInFlight batches travelling to their destinations at once
 * @param maxKeysPerSecond a ceiling on the rate keys leave this shard; 0 for none
 * @param timeout how long a destination may take to take a batch
 * @param settleTimeout how long a client's command waits for its keys to move at once
 */
@ConfigurationProperties("kvcache.migration")
public record MigrationProperties(
        @DefaultValue("1000") int batchKeys,
        @DefaultValue("1MB") DataSize batchSize,
        @DefaultValue("4") int batchesInFlight,
        @DefaultValue("0") long maxKeysPerSecond,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("5s") Duration settleTimeout) {
}
