package io.kvcache.master.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.kvcache.protocol.ProtocolLimits;

/**
 * Settings of the master ({@code kvcache.master.*}).
 *
 * @param port the client port (Redis protocol)
 * @param enrollmentPort where slaves enroll and beat
 * @param bind the address both ports listen on; loopback unless the operator says otherwise
 * @param requirepass the password clients must AUTH with; none when empty
 * @param upstreamConnections pipelined connections from the master to each slave
 * @param heartbeatTimeout a replica without heartbeat for this long is down
 * @param replyTimeout how long a client waits for a shard's reply before an error
 * @param virtualThreads serve each client connection on a virtual thread
 * @param electionGrace after the master starts, how long it waits for shards' primaries to
 *                      re-enroll before it elects replicas in their place
 */
@ConfigurationProperties("kvcache.master")
public record MasterProperties(
        @DefaultValue("6666") int port,
        @DefaultValue("6667") int enrollmentPort,
        @DefaultValue("127.0.0.1") String bind,
        @DefaultValue("") String requirepass,
        @DefaultValue("2") int upstreamConnections,
        @DefaultValue("3s") Duration heartbeatTimeout,
        @DefaultValue("10s") Duration replyTimeout,
        @DefaultValue("false") boolean virtualThreads,
        @DefaultValue("3s") Duration electionGrace) {

    public ProtocolLimits limits() {
        return ProtocolLimits.REDIS_DEFAULTS;
    }
}
