package io.kvcache.slave.replication;

/** A slave's part in its shard, as the master assigned it. */
public enum Role {
    PRIMARY,
    REPLICA
}
