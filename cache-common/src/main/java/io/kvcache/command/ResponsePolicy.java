package io.kvcache.command;

/** How a proxy merges the replies of a split command (Redis's response_policy tips). */
public enum ResponsePolicy {
    /** One reply, relayed as it is. */
    DEFAULT,
    /** Integer replies added up (DEL, EXISTS, UNLINK, DBSIZE, TOUCH). */
    AGG_SUM,
    /** OK when every shard said OK, otherwise the first error (MSET, FLUSHALL). */
    ALL_SUCCEEDED,
    /** Array replies put back in the order of the keys that asked for them (MGET). */
    KEY_ORDER,
    /** Arrays of every shard concatenated (KEYS). */
    CONCAT,
    /** Any one shard's non-null reply (RANDOMKEY). */
    ONE_SUCCEEDED,
    /** The proxy walks the shards one after another (SCAN). */
    CURSOR,
    /** Every shard's integer arrays combined element by element, 1 where all said 1 (SCRIPT EXISTS). */
    AGG_LOGICAL_AND,
    /** The first success, when at least one shard succeeded; else the first error (SCRIPT KILL). */
    ANY_SUCCEEDED,
    /** Each subcommand its own, as Redis's tips say ({@link SubcommandPolicies}). */
    BY_SUBCOMMAND,
    /** The proxy's own sections, with the shards' keyspace and store counters added up (INFO). */
    INFO
}
