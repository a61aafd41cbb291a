package io.kvcache.slave.replication;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Replication settings ({@code kvcache.replication.*}).
 *
 * @param ack when a primary answers a write: after its replicas applied it, or at once
 * @param backlogSize how much of the recent stream a primary keeps for replicas that fall behind
 *                    or reconnect (Redis's repl-backlog-size); also bounds the writes a full sync
 *                    can absorb while it runs
 * @param batchSize the most stream bytes one frame of a replica's stream carries
 * @param snapshotChunkSize the store bytes one full-sync call carries (plus the writes meanwhile)
 * @param timeout how long a replica may stay silent (no acknowledgement) before writes stop
 *                waiting for it; also how long any replication call, or a stream, may stay quiet
 * @param heartbeat how often a primary's idle stream carries a heartbeat frame, which the replica
 *                  acknowledges (at most a quarter of the timeout)
 * @param minReplicasToWrite Redis's min-replicas-to-write: a primary with fewer replicas in sync
 *                           refuses writes with -NOREPLICAS (0: never)
 */
@ConfigurationProperties("kvcache.replication")
public record ReplicationProperties(
        @DefaultValue("replicas") AckMode ack,
        @DefaultValue("64MB") DataSize backlogSize,
        @DefaultValue("1MB") DataSize batchSize,
        @DefaultValue("1MB") DataSize snapshotChunkSize,
        @DefaultValue("2s") Duration timeout,
        @DefaultValue("250ms") Duration heartbeat,
        @DefaultValue("0") int minReplicasToWrite) {
}
