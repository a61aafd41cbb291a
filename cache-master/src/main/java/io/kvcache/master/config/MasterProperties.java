package io.kvcache.master.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
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
 * Settings of the master ({@code kvcache.master.*}). The client port's limits carry redis.conf's
 * names and defaults, but for the output buffer limit (docs/security.md says why).
 *
 * @param port the client port (Redis protocol)
 * @param enrollmentPort where slaves enroll and beat
 * @param bind the address both ports listen on; loopback unless the operator says otherwise
 * @param requirepass the password clients must AUTH with; none when empty
 * @param heartbeatTimeout a replica without heartbeat for this long is down
 * @param replyTimeout how long a client waits for a shard's reply before an error
 * @param ioThreads the I/O threads that serve client connections (0: half the cores, at least one)
 * @param electionGrace after the master starts, how long it waits for shards' primaries to
 *                      re-enroll before it elects replicas in their place
 * @param uncleanElection whether a shard that lost every replica holding its data elects an empty
 *                        one on its own (losing the data, as Kafka's unclean.leader.election.enable);
 *                        by default it answers CLUSTERDOWN until one returns or an operator forces
 *                        a primary ({@code POST /admin/shards/{shard}/force-primary})
 * @param protectedMode Redis's protected-mode: without requirepass, only loopback clients are
 *                      served, unless {@code bind} names a specific non-loopback address
 * @param maxclients client connections beyond this many are refused
 * @param timeout a client idle this long is closed (seconds unless a unit is given; 0 = never)
 * @param tcpKeepalive TCP keepalive of client connections (seconds; 0 = off)
 * @param protoMaxBulkLen the longest bulk string a client may send
 * @param clientQueryBufferLimit the most one client may have buffered
 * @param clientOutputBufferLimit {@code client-output-buffer-limit normal}: hard, soft, soft seconds
 * @param maxmemoryClients the heap all clients' unfinished requests and unsent replies may take
 *                         together: a size, a percentage of the maximum heap, or 0 for no limit
 */
@ConfigurationProperties("kvcache.master")
public record MasterProperties(
        @DefaultValue("6666") int port,
        @DefaultValue("6667") int enrollmentPort,
        @DefaultValue("127.0.0.1") String bind,
        @DefaultValue("") String requirepass,
        @DefaultValue("3s") Duration heartbeatTimeout,
        @DefaultValue("10s") Duration replyTimeout,
        @DefaultValue("0") int ioThreads,
        @DefaultValue("3s") Duration electionGrace,
        @DefaultValue("false") boolean uncleanElection,
        @DefaultValue("true") boolean protectedMode,
        @DefaultValue("10000") int maxclients,
        @DefaultValue("0") @DurationUnit(ChronoUnit.SECONDS) Duration timeout,
        @DefaultValue("300") @DurationUnit(ChronoUnit.SECONDS) Duration tcpKeepalive,
        @DefaultValue("512MB") DataSize protoMaxBulkLen,
        @DefaultValue("1GB") DataSize clientQueryBufferLimit,
        @DefaultValue("256mb 64mb 60") String clientOutputBufferLimit,
        @DefaultValue("50%") String maxmemoryClients) {

    public ProtocolLimits limits() {
        return new ProtocolLimits(ProtocolLimits.PROTO_INLINE_MAX_SIZE, protoMaxBulkLen.toBytes(),
                clientQueryBufferLimit.toBytes());
    }

    /** What the client port allows its clients. */
    public ClientPolicy clientPolicy() {
        return new ClientPolicy(maxclients, timeout, OutputBufferLimit.parse(clientOutputBufferLimit),
                loopbackOnly(), !requirepass.isEmpty());
    }

    public ClientMemory clientMemory() {
        return ClientMemory.parse(maxmemoryClients);
    }

    /**
     * Protected mode is in force when it is on, no password is set, and the port is not bound to a
     * specific address of a network: bound to loopback, or to every interface (0.0.0.0 or ::, as in
     * the container images), it serves loopback clients only and denies the others.
     */
    public boolean loopbackOnly() {
        return protectedMode && requirepass.isEmpty() && !boundToASpecificNetworkAddress();
    }

    private boolean boundToASpecificNetworkAddress() {
        if (bind == null || bind.isBlank() || bind.equals("*")) {
            return false;
        }
        try {
            InetAddress address = InetAddress.getByName(bind);
            return !address.isAnyLocalAddress() && !address.isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false; // the port will fail to bind anyway
        }
    }

    /** Never prints the password (Spring and tests may log the properties). */
    @Override
    public String toString() {
        return "MasterProperties[port=" + port + ", enrollmentPort=" + enrollmentPort + ", bind=" + bind
                + ", requirepass=" + (requirepass.isEmpty() ? "" : "******") + ", protectedMode=" + protectedMode
                + ", maxclients=" + maxclients + ", timeout=" + timeout + "]";
    }

    /** The number of I/O threads: as set, or half the cores. */
    public int ioThreadCount() {
        return ioThreads > 0 ? ioThreads : io.kvcache.io.IoLoops.defaultThreads();
    }
}
