package io.kvcache.slave.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

import io.kvcache.protocol.ClientMemory;
import io.kvcache.protocol.ProtocolLimits;
import io.kvcache.server.ClientPolicy;
import io.kvcache.server.OutputBufferLimit;

/**
 * Settings of one slave ({@code kvcache.slave.*}).
 *
 * @param port the data port, spoken to as to a Redis (0 = any free port)
 * @param bind the address the data port listens on; loopback unless the operator says otherwise
 * @param ioThreads the I/O threads that serve client connections (0: half the cores, at least one)
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
 * @param maxclients data port connections beyond this many are refused (Redis's maxclients)
 * @param timeout a data port client idle this long is closed (seconds unless a unit is given; 0 = never)
 * @param tcpKeepalive TCP keepalive of data port connections (seconds; 0 = off)
 * @param clientOutputBufferLimit {@code client-output-buffer-limit normal} of the data port: hard, soft,
 *                                soft seconds; none by default, as Redis, because its clients are the
 *                                master's connections, each shared by many of the master's clients
 *                                (the master applies the limit to each of them)
 * @param maxmemoryClients the heap all data port clients' unfinished requests and unsent replies may
 *                         take together: a size, a percentage of the maximum heap, or 0 for no limit
 */
@ConfigurationProperties("kvcache.slave")
public record SlaveProperties(
        @DefaultValue("7001") int port,
        @DefaultValue("127.0.0.1") String bind,
        @DefaultValue("0") int ioThreads,
        @DefaultValue("512MB") DataSize protoMaxBulkLen,
        @DefaultValue("1GB") DataSize clientQueryBufferLimit,
        @DefaultValue("10") int hz,
        @DefaultValue("") String master,
        @DefaultValue("slave1") String shard,
        @DefaultValue("replica1") String replicaId,
        @DefaultValue("127.0.0.1") String advertisedHost,
        @DefaultValue("1s") Duration heartbeatInterval,
        @DefaultValue("0") String maxmemory,
        @DefaultValue("noeviction") String maxmemoryPolicy,
        @DefaultValue("5") int maxmemorySamples,
        @DefaultValue("10") int lfuLogFactor,
        @DefaultValue("1") int lfuDecayTime,
        @DefaultValue("10000") int maxclients,
        @DefaultValue("0") @DurationUnit(ChronoUnit.SECONDS) Duration timeout,
        @DefaultValue("300") @DurationUnit(ChronoUnit.SECONDS) Duration tcpKeepalive,
        @DefaultValue("0 0 0") String clientOutputBufferLimit,
        @DefaultValue("25%") String maxmemoryClients) {

    public ProtocolLimits limits() {
        return new ProtocolLimits(ProtocolLimits.PROTO_INLINE_MAX_SIZE, protoMaxBulkLen.toBytes(),
                clientQueryBufferLimit.toBytes());
    }

    /**
     * What the data port allows its clients. No protected mode: the master is its client. In a cluster
     * they must AUTH with the cluster secret, and Redis's unauthenticated limits apply until they do.
     *
     * @param passwordRequired whether clients must AUTH (a cluster secret is set)
     */
    public ClientPolicy clientPolicy(boolean passwordRequired) {
        return new ClientPolicy(maxclients, timeout, OutputBufferLimit.parse(clientOutputBufferLimit), false,
                passwordRequired);
    }

    public ClientMemory clientMemory() {
        return ClientMemory.parse(maxmemoryClients);
    }

    /** The number of I/O threads: as set, or half the cores. */
    public int ioThreadCount() {
        return ioThreads > 0 ? ioThreads : io.kvcache.io.IoLoops.defaultThreads();
    }
}
