package io.kvcache.command;

/** How a proxy sends a command to shards (Redis's request_policy tips). */
public enum RequestPolicy {
    /** Every key maps to one shard; the command goes there (or is refused as CROSSSLOT). */
    SINGLE_SHARD,
    /** Split by key into one sub-command per shard, then merged by the response policy. */
    MULTI_SHARD,
    /** Sent to every shard, merged by the response policy. */
    ALL_SHARDS,
    /**
     * Sent to every node, the replicas of each shard as well as its primary (CONFIG SET and
     * RESETSTAT, as Redis's tips say); what only reads is answered by one node.
     */
    ALL_NODES,
    /** Answered by the proxy itself (PING, ECHO, HELLO, COMMAND, SELECT, QUIT, ...). */
    LOCAL,
    /** Answered by the proxy itself after waiting for the cluster (WAIT): never on an I/O loop. */
    LOCAL_WAITING,
    /** Keys may live on two shards and the proxy moves the element (RPOPLPUSH, LMOVE). */
    TWO_KEYS_MOVE,
    /**
     * A blocking pop (BLPOP, BZPOPMIN, BLMOVE, ...): it waits on a connection of its own to the keys'
     * shard, never on a shared one; keys on several shards are CROSSSLOT, but for BLMOVE and
     * BRPOPLPUSH, whose element the proxy moves.
     */
    BLOCKING,
    /**
     * MULTI, EXEC, DISCARD: the proxy queues the transaction itself and sends it whole, as one
     * contiguous MULTI ... EXEC, to the one shard all its keys live on.
     */
    TRANSACTION,
    /**
     * (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE: the proxy keeps its clients' subscriptions and subscribes
     * upstream, on every shard, to what they need; a subscription answers once it is in force there.
     */
    SUBSCRIPTION,
    /**
     * PUBLISH, SPUBLISH: sent to the shard owning the channel's hash, whose subscribers (every proxy
     * that relays the channel) hear it; the proxy answers how many of its own clients receive it.
     */
    CHANNEL
}
