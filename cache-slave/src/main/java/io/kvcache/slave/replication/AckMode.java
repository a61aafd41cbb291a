package io.kvcache.slave.replication;

/** When a primary answers a write ({@code kvcache.replication.ack}). */
public enum AckMode {
    /** After every live, in-sync replica has applied it (the default: no acknowledged write is lost in a failover). */
    REPLICAS,
    /** At once, as Redis does; replicas catch up behind. */
    ASYNC
}
