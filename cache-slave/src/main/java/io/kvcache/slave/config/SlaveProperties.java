package io.kvcache.slave.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import io.kvcache.protocol.ProtocolLimits;

/**
 * Settings of one slave ({@code kvcache.slave.*}).
 *
 * @param port the data port, spoken to as to a Redis (0 = any free port)
 * @param bind the address the data port listens on; loopback unless the operator says otherwise
 * @param virtualThreads serve each connection on a virtual thread instead of a platform thread
 * @param protoMaxBulkLen the longest bulk string a client may send (Redis's proto-max-bulk-len)
 * @param clientQueryBufferLimit the most one client may have buffered (client-query-buffer-limit)
 * @param hz how often per second the active expiry cycle runs (Redis's hz)
 * @param master the master's enrollment address (host:port); empty runs the slave alone
 * @param shard the shard this slave holds (e.g. slave1)
 * @param replicaId this replica's name within its shard (e.g. replica1)
 * @param advertisedHost the host the master should use to reach this slave
 * @param heartbeatInterval how often the slave tells the master it is alive
 * @param maxmemory the most the store may hold before it evicts (Redis's maxmemory: {@code 100mb},
 *        {@code 2gb}, bytes; 0 for no limit); at most half the JVM heap
 * @param maxmemoryPolicy what to evict (Redis's maxmemory-policy, e.g. allkeys-lru)
 * @param maxmemorySamples keys sampled per eviction round (maxmemory-samples)
 * @param lfuLogFactor how slowly the LFU counter saturates (lfu-log-factor)
 * @param lfuDecayTime minutes per decrement of an idle key's LFU counter (lfu-decay-time)
 */
@ConfigurationProperties("kvcache.slave")
public record SlaveProperties(
        @DefaultValue("7001") int port,
        @DefaultValue("127.0.0.1") String bind,
        @DefaultValue("false") boolean virtualThreads,
        @DefaultValue("512MB") DataSize protoMaxBulkLen,
        @DefaultValue("1GB") DataSize clientQueryBufferLimit,
        @DefaultValue("10") int hz,
        @DefaultValue("") String master,
        @DefaultValue("slave1") String shard,
        @DefaultValue("replica1") String replicaId,
        @DefaultValue("127.0.0.1") String advertisedHost,
        @DefaultValue("1s") java.time.Duration heartbeatInterval,
        @DefaultValue("0") String maxmemory,
        @DefaultValue("noeviction") String maxmemoryPolicy,
        @DefaultValue("5") int maxmemorySamples,
        @DefaultValue("10") int lfuLogFactor,
        @DefaultValue("1") int lfuDecayTime) {

    public ProtocolLimits limits() {
        return new ProtocolLimits(ProtocolLimits.PROTO_INLINE_MAX_SIZE, protoMaxBulkLen.toBytes(),
                clientQueryBufferLimit.toBytes());
    }
}
