package io.kvcache.command;

/**
 * Where a primary takes its replicas' {@code REPLCONF ACK <offset> <replica> <session>}: the
 * replica named holds its stream session's writes up to offset. Called under the store's lock.
 */
@FunctionalInterface
public interface ReplicaAcks {

    void ack(Session client, String replicaId, long streamSession, long offset);
}
