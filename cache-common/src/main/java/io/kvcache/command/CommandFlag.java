package io.kvcache.command;

/** Redis 7 command flags (server.h CMD_*), spelled as COMMAND prints them. */
public enum CommandFlag {
    WRITE("write"),
    READONLY("readonly"),
    DENYOOM("denyoom"),
    ADMIN("admin"),
    PUBSUB("pubsub"),
    NOSCRIPT("noscript"),
    BLOCKING("blocking"),
    LOADING("loading"),
    STALE("stale"),
    SKIP_MONITOR("skip_monitor"),
    SKIP_SLOWLOG("skip_slowlog"),
    FAST("fast"),
    NO_AUTH("no_auth"),
    ALLOW_BUSY("allow_busy"),
    /** A read that may change the value and reach replicas (PFCOUNT's cached cardinality). */
    MAY_REPLICATE("may_replicate");

    private final String redisName;

    CommandFlag(String redisName) {
        this.redisName = redisName;
    }

    public String redisName() {
        return redisName;
    }
}
