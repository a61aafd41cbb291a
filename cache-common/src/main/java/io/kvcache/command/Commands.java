package io.kvcache.command;

import static io.kvcache.command.CommandFlag.*;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The one declaration of every command kvcache knows, with Redis 7.0's arity, flags and key
 * positions (src/commands/*.json) and the proxy policies of Redis's command tips.
 * Adding a command = one entry here + one handler + tests.
 */
public final class Commands {

    private Commands() {
    }

    // Connection and server
    public static final CommandSpec PING = local("ping", -1, FAST, STALE, LOADING);
    public static final CommandSpec ECHO = local("echo", 2, FAST, STALE, LOADING);
    public static final CommandSpec QUIT = local("quit", -1, FAST, STALE, LOADING, NO_AUTH, ALLOW_BUSY);
    public static final CommandSpec HELLO = local("hello", -1, FAST, NO_AUTH, STALE, LOADING);
    public static final CommandSpec AUTH = local("auth", -2, FAST, NO_AUTH, STALE, LOADING);
    public static final CommandSpec SELECT = local("select", 2, FAST, STALE, LOADING);
    public static final CommandSpec COMMAND = local("command", -1, STALE, LOADING);
    public static final CommandSpec CLIENT = local("client", -2, STALE, LOADING);
    public static final CommandSpec READONLY_CMD = local("readonly", 1, FAST, STALE, LOADING);
    public static final CommandSpec READWRITE = local("readwrite", 1, FAST, STALE, LOADING);
    public static final CommandSpec INFO = all("info", -1, ResponsePolicy.INFO, STALE, LOADING);
    public static final CommandSpec DBSIZE = all("dbsize", 1, ResponsePolicy.AGG_SUM, READONLY, FAST);
    public static final CommandSpec FLUSHALL = all("flushall", -1, ResponsePolicy.ALL_SUCCEEDED, WRITE);
    public static final CommandSpec FLUSHDB = all("flushdb", -1, ResponsePolicy.ALL_SUCCEEDED, WRITE);
    public static final CommandSpec TIME = local("time", 1, FAST, STALE, LOADING);
    /** A replica's REPLCONF ACK reaches its primary's data port (docs/replication.md); the rest as Redis. */
    public static final CommandSpec REPLCONF = local("replconf", -1, ADMIN, NOSCRIPT, LOADING, STALE, ALLOW_BUSY);
    // Pub/sub (pubsub.c): a proxy answers subscriptions itself and relays what its clients subscribe to
    public static final CommandSpec SUBSCRIBE = subscription("subscribe", -2, KeySpec.NONE);
    public static final CommandSpec UNSUBSCRIBE = subscription("unsubscribe", -1, KeySpec.NONE);
    public static final CommandSpec PSUBSCRIBE = subscription("psubscribe", -2, KeySpec.NONE);
    public static final CommandSpec PUNSUBSCRIBE = subscription("punsubscribe", -1, KeySpec.NONE);
    /** The shard channels are key specs (Redis's NOT_KEY: they route, nothing is stored). */
    public static final CommandSpec SSUBSCRIBE = subscription("ssubscribe", -2, new KeySpec(1, -1, 1));
    public static final CommandSpec SUNSUBSCRIBE = subscription("sunsubscribe", -1, new KeySpec(1, -1, 1));
    public static final CommandSpec PUBLISH = new CommandSpec("publish", 3,
            flags(CommandFlag.PUBSUB, LOADING, STALE, FAST, MAY_REPLICATE), KeySpec.NONE, RequestPolicy.CHANNEL,
            ResponsePolicy.DEFAULT);
    public static final CommandSpec SPUBLISH = new CommandSpec("spublish", 3,
            flags(CommandFlag.PUBSUB, LOADING, STALE, FAST, MAY_REPLICATE), KeySpec.single(), RequestPolicy.CHANNEL,
            ResponsePolicy.DEFAULT);
    /** PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB: of the server asked, as in Redis Cluster. */
    public static final CommandSpec PUBSUB_CMD = local("pubsub", -2);
    /** ROLE: a master, as a Redis Cluster primary answers. */
    public static final CommandSpec ROLE = local("role", 1, NOSCRIPT, LOADING, STALE, FAST);
    /** WAIT numreplicas timeout: through the master, the replicas in sync on every shard. */
    public static final CommandSpec WAIT = new CommandSpec("wait", 3, flags(NOSCRIPT), KeySpec.NONE,
            RequestPolicy.LOCAL_WAITING, ResponsePolicy.DEFAULT);
    /** CLUSTER SLOTS|SHARDS|NODES|INFO|MYID|KEYSLOT|...: the master answers as a Redis Cluster node. */
    public static final CommandSpec CLUSTER = local("cluster", -2);
    // Transactions (multi.c)
    public static final CommandSpec MULTI = transaction("multi", 1, KeySpec.NONE, FAST, ALLOW_BUSY);
    public static final CommandSpec EXEC = transaction("exec", 1, KeySpec.NONE, SKIP_SLOWLOG);
    public static final CommandSpec DISCARD = transaction("discard", 1, KeySpec.NONE, FAST, ALLOW_BUSY);
    public static final CommandSpec WATCH = transaction("watch", -2, new KeySpec(1, -1, 1), FAST, ALLOW_BUSY);
    public static final CommandSpec UNWATCH = transaction("unwatch", 1, KeySpec.NONE, FAST, ALLOW_BUSY);
    // Scripting (eval.c): keys counted by argument 2, all on one shard; SCRIPT fans out by subcommand
    public static final CommandSpec EVAL = script("eval", NOSCRIPT, STALE, SKIP_MONITOR, MAY_REPLICATE);
    public static final CommandSpec EVALSHA = script("evalsha", NOSCRIPT, STALE, SKIP_MONITOR, MAY_REPLICATE);
    public static final CommandSpec EVAL_RO = script("eval_ro", READONLY, NOSCRIPT, STALE, SKIP_MONITOR);
    public static final CommandSpec EVALSHA_RO = script("evalsha_ro", READONLY, NOSCRIPT, STALE, SKIP_MONITOR);
    public static final CommandSpec FCALL = script("fcall", NOSCRIPT, STALE, SKIP_MONITOR, MAY_REPLICATE);
    public static final CommandSpec FCALL_RO = script("fcall_ro", READONLY, NOSCRIPT, STALE, SKIP_MONITOR);
    /** FUNCTION LOAD|DELETE|FLUSH|RESTORE|LIST|DUMP|STATS|KILL|HELP: on every primary, as SCRIPT. */
    public static final CommandSpec FUNCTION = new CommandSpec("function", -2, flags(NOSCRIPT, ALLOW_BUSY), KeySpec.NONE,
            RequestPolicy.ALL_SHARDS, ResponsePolicy.BY_SUBCOMMAND);
    /** SCRIPT LOAD|EXISTS|FLUSH|KILL|HELP: on every primary (a replica learns scripts from its stream). */
    public static final CommandSpec SCRIPT = new CommandSpec("script", -2, flags(NOSCRIPT, ALLOW_BUSY), KeySpec.NONE,
            RequestPolicy.ALL_SHARDS, ResponsePolicy.BY_SUBCOMMAND);
    /** CONFIG GET|SET|RESETSTAT|REWRITE|HELP; each subcommand's arity is checked by ConfigCommand. */
    public static final CommandSpec CONFIG = new CommandSpec("config", -2, flags(ADMIN, NOSCRIPT, LOADING, STALE),
            KeySpec.NONE, RequestPolicy.ALL_NODES, ResponsePolicy.ALL_SUCCEEDED);

    // Strings (t_string.c)
    public static final CommandSpec GET = key("get", 2, READONLY, FAST);
    public static final CommandSpec SET = overwrite("set", -3, WRITE, DENYOOM);
    public static final CommandSpec SETNX = key("setnx", 3, WRITE, DENYOOM, FAST);
    public static final CommandSpec SETEX = overwrite("setex", 4, WRITE, DENYOOM);
    public static final CommandSpec PSETEX = overwrite("psetex", 4, WRITE, DENYOOM);
    public static final CommandSpec GETSET = key("getset", 3, WRITE, DENYOOM, FAST);
    public static final CommandSpec GETDEL = key("getdel", 2, WRITE, FAST);
    public static final CommandSpec GETEX = key("getex", -2, WRITE, FAST);
    public static final CommandSpec MGET = keys("mget", -2, 1, -1, 1, ResponsePolicy.KEY_ORDER, READONLY, FAST);
    public static final CommandSpec MSET = keys("mset", -3, 1, -1, 2, ResponsePolicy.ALL_SUCCEEDED, WRITE, DENYOOM);
    public static final CommandSpec MSETNX = oneShard("msetnx", -3, new KeySpec(1, -1, 2), WRITE, DENYOOM);
    public static final CommandSpec INCR = key("incr", 2, WRITE, DENYOOM, FAST);
    public static final CommandSpec INCRBY = key("incrby", 3, WRITE, DENYOOM, FAST);
    public static final CommandSpec INCRBYFLOAT = key("incrbyfloat", 3, WRITE, DENYOOM, FAST);
    public static final CommandSpec DECR = key("decr", 2, WRITE, DENYOOM, FAST);
    public static final CommandSpec DECRBY = key("decrby", 3, WRITE, DENYOOM, FAST);
    public static final CommandSpec APPEND = key("append", 3, WRITE, DENYOOM, FAST);
    public static final CommandSpec STRLEN = key("strlen", 2, READONLY, FAST);
    public static final CommandSpec GETRANGE = key("getrange", 4, READONLY);
    public static final CommandSpec SUBSTR = key("substr", 4, READONLY);
    public static final CommandSpec SETRANGE = key("setrange", 4, WRITE, DENYOOM);
    public static final CommandSpec LCS = oneShard("lcs", -3, new KeySpec(1, 2, 1), READONLY);

    // Bitmaps (bitops.c)
    public static final CommandSpec SETBIT = key("setbit", 4, WRITE, DENYOOM);
    public static final CommandSpec GETBIT = key("getbit", 3, READONLY, FAST);
    public static final CommandSpec BITCOUNT = key("bitcount", -2, READONLY);
    public static final CommandSpec BITPOS = key("bitpos", -3, READONLY);
    /** BITOP op destkey key [key ...]: every key on one shard. */
    public static final CommandSpec BITFIELD = key("bitfield", -2, WRITE, DENYOOM);
    public static final CommandSpec BITFIELD_RO = key("bitfield_ro", -2, READONLY, FAST);
    public static final CommandSpec BITOP = oneShard("bitop", -4, new KeySpec(2, -1, 1), WRITE, DENYOOM);

    // HyperLogLog (hyperloglog.c): values are strings
    public static final CommandSpec PFADD = key("pfadd", -2, WRITE, DENYOOM, FAST);
    /** Several keys: the cardinality of their union, all on one shard (as Redis Cluster). */
    public static final CommandSpec PFCOUNT = oneShard("pfcount", -2, new KeySpec(1, -1, 1), READONLY, MAY_REPLICATE);
    public static final CommandSpec PFMERGE = oneShard("pfmerge", -2, new KeySpec(1, -1, 1), WRITE, DENYOOM);

    // Keys (db.c, expire.c)
    public static final CommandSpec DEL = keys("del", -2, 1, -1, 1, ResponsePolicy.AGG_SUM, WRITE);
    public static final CommandSpec UNLINK = keys("unlink", -2, 1, -1, 1, ResponsePolicy.AGG_SUM, WRITE, FAST);
    public static final CommandSpec EXISTS = keys("exists", -2, 1, -1, 1, ResponsePolicy.AGG_SUM, READONLY, FAST);
    public static final CommandSpec TOUCH = keys("touch", -2, 1, -1, 1, ResponsePolicy.AGG_SUM, READONLY, FAST);
    public static final CommandSpec TYPE = key("type", 2, READONLY, FAST);
    public static final CommandSpec EXPIRE = key("expire", -3, WRITE, FAST);
    public static final CommandSpec PEXPIRE = key("pexpire", -3, WRITE, FAST);
    public static final CommandSpec EXPIREAT = key("expireat", -3, WRITE, FAST);
    public static final CommandSpec PEXPIREAT = key("pexpireat", -3, WRITE, FAST);
    public static final CommandSpec EXPIRETIME = key("expiretime", 2, READONLY, FAST);
    public static final CommandSpec PEXPIRETIME = key("pexpiretime", 2, READONLY, FAST);
    public static final CommandSpec TTL = key("ttl", 2, READONLY, FAST);
    public static final CommandSpec PTTL = key("pttl", 2, READONLY, FAST);
    public static final CommandSpec PERSIST = key("persist", 2, WRITE, FAST);
    public static final CommandSpec KEYS = all("keys", 2, ResponsePolicy.CONCAT, READONLY);
    public static final CommandSpec SCAN = all("scan", -2, ResponsePolicy.CURSOR, READONLY);
    public static final CommandSpec RANDOMKEY = all("randomkey", 1, ResponsePolicy.ONE_SUCCEEDED, READONLY);
    /** Both keys on one shard, as in Redis Cluster: across shards CROSSSLOT. */
    public static final CommandSpec COPY = oneShard("copy", -3, new KeySpec(1, 2, 1), WRITE, DENYOOM);
    /** OBJECT ENCODING|REFCOUNT|IDLETIME|FREQ key, OBJECT HELP (whose lack of a key any shard answers). */
    public static final CommandSpec OBJECT = oneShard("object", -2, new KeySpec(2, 2, 1), READONLY);
    /** Both keys on one shard, as in Redis Cluster: across shards CROSSSLOT. */
    /** SORT key ... [STORE destination]: both keys on one shard. */
    public static final CommandSpec SORT = oneShard("sort", -2, KeySpec.firstAndAfter("store"), WRITE, DENYOOM);
    public static final CommandSpec SORT_RO = key("sort_ro", -2, READONLY);
    public static final CommandSpec DUMP = key("dump", 2, READONLY);
    public static final CommandSpec RESTORE = key("restore", -4, WRITE, DENYOOM);
    /** MEMORY USAGE key [SAMPLES n], PURGE, HELP (whose lack of a key any shard answers). */
    public static final CommandSpec MEMORY = oneShard("memory", -2, new KeySpec(2, 2, 1), READONLY);
    public static final CommandSpec RENAME = oneShard("rename", 3, new KeySpec(1, 2, 1), WRITE);
    public static final CommandSpec RENAMENX = oneShard("renamenx", 3, new KeySpec(1, 2, 1), WRITE, FAST);

    // Lists (t_list.c)
    public static final CommandSpec LPUSH = key("lpush", -3, WRITE, DENYOOM, FAST);
    public static final CommandSpec RPUSH = key("rpush", -3, WRITE, DENYOOM, FAST);
    public static final CommandSpec LPUSHX = key("lpushx", -3, WRITE, DENYOOM, FAST);
    public static final CommandSpec RPUSHX = key("rpushx", -3, WRITE, DENYOOM, FAST);
    public static final CommandSpec LPOP = key("lpop", -2, WRITE, FAST);
    public static final CommandSpec RPOP = key("rpop", -2, WRITE, FAST);
    public static final CommandSpec LLEN = key("llen", 2, READONLY, FAST);
    public static final CommandSpec LRANGE = key("lrange", 4, READONLY);
    public static final CommandSpec LINDEX = key("lindex", 3, READONLY);
    public static final CommandSpec LSET = key("lset", 4, WRITE, DENYOOM);
    public static final CommandSpec LINSERT = key("linsert", 5, WRITE, DENYOOM);
    public static final CommandSpec LTRIM = key("ltrim", 4, WRITE);
    /** Arity -3, not Redis's 4: the seed's {@code LREM key value} removes the first occurrence. */
    public static final CommandSpec LREM = key("lrem", -3, WRITE);
    public static final CommandSpec LPOS = key("lpos", -3, READONLY);
    public static final CommandSpec RPOPLPUSH = move("rpoplpush", 3, WRITE, DENYOOM);
    public static final CommandSpec LMOVE = move("lmove", 5, WRITE, DENYOOM);
    public static final CommandSpec LMPOP = counted("lmpop", -4, 1, WRITE);
    public static final CommandSpec BLPOP = blocking("blpop", -3, new KeySpec(1, -2, 1), WRITE, NOSCRIPT, BLOCKING);
    public static final CommandSpec BRPOP = blocking("brpop", -3, new KeySpec(1, -2, 1), WRITE, NOSCRIPT, BLOCKING);
    public static final CommandSpec BRPOPLPUSH = blocking("brpoplpush", 4, new KeySpec(1, 2, 1), WRITE, DENYOOM,
            NOSCRIPT, BLOCKING);
    public static final CommandSpec BLMOVE = blocking("blmove", 6, new KeySpec(1, 2, 1), WRITE, DENYOOM, NOSCRIPT,
            BLOCKING);
    public static final CommandSpec BLMPOP = blocking("blmpop", -5, KeySpec.counted(2), WRITE, BLOCKING);

    // Hashes (t_hash.c)
    public static final CommandSpec HSET = key("hset", -4, WRITE, DENYOOM, FAST);
    public static final CommandSpec HSETNX = key("hsetnx", 4, WRITE, DENYOOM, FAST);
    public static final CommandSpec HMSET = key("hmset", -4, WRITE, DENYOOM, FAST);
    public static final CommandSpec HGET = key("hget", 3, READONLY, FAST);
    public static final CommandSpec HMGET = key("hmget", -3, READONLY, FAST);
    public static final CommandSpec HDEL = key("hdel", -3, WRITE, FAST);
    public static final CommandSpec HLEN = key("hlen", 2, READONLY, FAST);
    public static final CommandSpec HSTRLEN = key("hstrlen", 3, READONLY, FAST);
    public static final CommandSpec HEXISTS = key("hexists", 3, READONLY, FAST);
    public static final CommandSpec HKEYS = key("hkeys", 2, READONLY);
    public static final CommandSpec HVALS = key("hvals", 2, READONLY);
    public static final CommandSpec HGETALL = key("hgetall", 2, READONLY);
    public static final CommandSpec HINCRBY = key("hincrby", 4, WRITE, DENYOOM, FAST);
    public static final CommandSpec HINCRBYFLOAT = key("hincrbyfloat", 4, WRITE, DENYOOM, FAST);
    public static final CommandSpec HRANDFIELD = key("hrandfield", -2, READONLY);
    public static final CommandSpec HSCAN = key("hscan", -3, READONLY);

    // Sets (t_set.c). Commands of several keys run on one shard: across shards -CROSSSLOT, as Redis Cluster.
    public static final CommandSpec SADD = key("sadd", -3, WRITE, DENYOOM, FAST);
    public static final CommandSpec SREM = key("srem", -3, WRITE, FAST);
    public static final CommandSpec SMEMBERS = key("smembers", 2, READONLY);
    public static final CommandSpec SISMEMBER = key("sismember", 3, READONLY, FAST);
    public static final CommandSpec SMISMEMBER = key("smismember", -3, READONLY, FAST);
    public static final CommandSpec SCARD = key("scard", 2, READONLY, FAST);
    public static final CommandSpec SPOP = key("spop", -2, WRITE, FAST);
    public static final CommandSpec SRANDMEMBER = key("srandmember", -2, READONLY);
    public static final CommandSpec SMOVE = oneShard("smove", 4, new KeySpec(1, 2, 1), WRITE, FAST);
    public static final CommandSpec SINTER = oneShard("sinter", -2, new KeySpec(1, -1, 1), READONLY);
    public static final CommandSpec SINTERSTORE = oneShard("sinterstore", -3, new KeySpec(1, -1, 1), WRITE, DENYOOM);
    public static final CommandSpec SUNION = oneShard("sunion", -2, new KeySpec(1, -1, 1), READONLY);
    public static final CommandSpec SUNIONSTORE = oneShard("sunionstore", -3, new KeySpec(1, -1, 1), WRITE, DENYOOM);
    public static final CommandSpec SDIFF = oneShard("sdiff", -2, new KeySpec(1, -1, 1), READONLY);
    public static final CommandSpec SDIFFSTORE = oneShard("sdiffstore", -3, new KeySpec(1, -1, 1), WRITE, DENYOOM);
    public static final CommandSpec SINTERCARD = counted("sintercard", -3, 1, READONLY);
    public static final CommandSpec SSCAN = key("sscan", -3, READONLY);

    // Sorted sets (t_zset.c)
    public static final CommandSpec ZADD = key("zadd", -4, WRITE, DENYOOM, FAST);
    public static final CommandSpec ZINCRBY = key("zincrby", 4, WRITE, DENYOOM, FAST);
    public static final CommandSpec ZSCORE = key("zscore", 3, READONLY, FAST);
    public static final CommandSpec ZMSCORE = key("zmscore", -3, READONLY, FAST);
    public static final CommandSpec ZCARD = key("zcard", 2, READONLY, FAST);
    public static final CommandSpec ZREM = key("zrem", -3, WRITE, FAST);
    public static final CommandSpec ZRANK = key("zrank", 3, READONLY, FAST);
    public static final CommandSpec ZREVRANK = key("zrevrank", 3, READONLY, FAST);
    public static final CommandSpec ZCOUNT = key("zcount", 4, READONLY, FAST);
    public static final CommandSpec ZRANGE = key("zrange", -4, READONLY);
    public static final CommandSpec ZRANGEBYSCORE = key("zrangebyscore", -4, READONLY);
    public static final CommandSpec ZREVRANGEBYSCORE = key("zrevrangebyscore", -4, READONLY);
    public static final CommandSpec ZREVRANGE = key("zrevrange", -4, READONLY);
    public static final CommandSpec ZPOPMIN = key("zpopmin", -2, WRITE, FAST);
    public static final CommandSpec ZPOPMAX = key("zpopmax", -2, WRITE, FAST);
    public static final CommandSpec ZREMRANGEBYSCORE = key("zremrangebyscore", 4, WRITE);
    public static final CommandSpec ZREMRANGEBYRANK = key("zremrangebyrank", 4, WRITE);
    public static final CommandSpec ZREMRANGEBYLEX = key("zremrangebylex", 4, WRITE);
    public static final CommandSpec ZLEXCOUNT = key("zlexcount", 4, READONLY, FAST);
    public static final CommandSpec ZRANGEBYLEX = key("zrangebylex", -4, READONLY);
    public static final CommandSpec ZREVRANGEBYLEX = key("zrevrangebylex", -4, READONLY);
    public static final CommandSpec ZRANGESTORE = oneShard("zrangestore", -5, new KeySpec(1, 2, 1), WRITE, DENYOOM);
    public static final CommandSpec ZRANDMEMBER = key("zrandmember", -2, READONLY);
    public static final CommandSpec ZSCAN = key("zscan", -3, READONLY);
    public static final CommandSpec ZMPOP = counted("zmpop", -4, 1, WRITE);
    public static final CommandSpec BZPOPMIN = blocking("bzpopmin", -3, new KeySpec(1, -2, 1), WRITE, NOSCRIPT, FAST,
            BLOCKING);
    public static final CommandSpec BZPOPMAX = blocking("bzpopmax", -3, new KeySpec(1, -2, 1), WRITE, NOSCRIPT, FAST,
            BLOCKING);
    public static final CommandSpec BZMPOP = blocking("bzmpop", -5, KeySpec.counted(2), WRITE, BLOCKING);
    public static final CommandSpec ZUNION = counted("zunion", -3, 1, READONLY);
    public static final CommandSpec ZINTER = counted("zinter", -3, 1, READONLY);
    public static final CommandSpec ZDIFF = counted("zdiff", -3, 1, READONLY);
    public static final CommandSpec ZINTERCARD = counted("zintercard", -3, 1, READONLY);
    public static final CommandSpec ZUNIONSTORE = oneShard("zunionstore", -4, KeySpec.destinationAndCounted(),
            WRITE, DENYOOM);
    public static final CommandSpec ZINTERSTORE = oneShard("zinterstore", -4, KeySpec.destinationAndCounted(),
            WRITE, DENYOOM);
    public static final CommandSpec ZDIFFSTORE = oneShard("zdiffstore", -4, KeySpec.destinationAndCounted(),
            WRITE, DENYOOM);

    /** Every command, in declaration order. */
    public static final List<CommandSpec> ALL = List.of(
            PING, ECHO, QUIT, HELLO, AUTH, SELECT, COMMAND, CLIENT, READONLY_CMD, READWRITE, INFO, DBSIZE,
            FLUSHALL, FLUSHDB, TIME, CONFIG, REPLCONF, SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
            SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB_CMD, ROLE, WAIT, CLUSTER, MULTI, EXEC, DISCARD, WATCH, UNWATCH,
            EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FCALL, FCALL_RO, FUNCTION,
            GET, SET, SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX, MGET, MSET, MSETNX, INCR, INCRBY,
            INCRBYFLOAT, DECR, DECRBY, APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE, LCS,
            SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO, PFADD, PFCOUNT, PFMERGE,
            DEL, UNLINK, EXISTS, TOUCH, TYPE, EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, EXPIRETIME, PEXPIRETIME,
            TTL, PTTL, PERSIST, KEYS, SCAN, RANDOMKEY, SORT, SORT_RO, DUMP, RESTORE, RENAME, RENAMENX, COPY, OBJECT, MEMORY,
            LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE, LINDEX, LSET, LINSERT, LTRIM, LREM, LPOS,
            RPOPLPUSH, LMOVE, LMPOP, BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP,
            HSET, HSETNX, HMSET, HGET, HMGET, HDEL, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS, HGETALL, HINCRBY,
            HINCRBYFLOAT, HRANDFIELD, HSCAN,
            SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SPOP, SRANDMEMBER, SMOVE, SINTER, SINTERSTORE,
            SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE, SINTERCARD, SSCAN,
            ZADD, ZINCRBY, ZSCORE, ZMSCORE, ZCARD, ZREM, ZRANK, ZREVRANK, ZCOUNT, ZRANGE, ZRANGEBYSCORE,
            ZREVRANGEBYSCORE, ZREVRANGE, ZPOPMIN, ZPOPMAX, ZREMRANGEBYSCORE, ZREMRANGEBYRANK, ZREMRANGEBYLEX,
            ZLEXCOUNT, ZRANGEBYLEX, ZREVRANGEBYLEX, ZRANGESTORE, ZRANDMEMBER, ZSCAN, ZMPOP, ZUNION, ZINTER, ZDIFF,
            ZINTERCARD, ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, BZPOPMIN, BZPOPMAX, BZMPOP);

    private static Set<CommandFlag> flags(CommandFlag... flags) {
        return flags.length == 0 ? Set.of() : Set.copyOf(EnumSet.of(flags[0], flags));
    }

    private static CommandSpec local(String name, int arity, CommandFlag... flags) {
        return new CommandSpec(name, arity, flags(flags), KeySpec.NONE, RequestPolicy.LOCAL, ResponsePolicy.DEFAULT);
    }

    private static CommandSpec subscription(String name, int arity, KeySpec keys) {
        return new CommandSpec(name, arity, flags(CommandFlag.PUBSUB, NOSCRIPT, LOADING, STALE), keys,
                RequestPolicy.SUBSCRIPTION, ResponsePolicy.DEFAULT);
    }

    /** MULTI, EXEC, DISCARD, WATCH, UNWATCH: never in a script (Redis's flags, and theirs). */
    private static CommandSpec transaction(String name, int arity, KeySpec keys, CommandFlag... flags) {
        EnumSet<CommandFlag> all = EnumSet.of(NOSCRIPT, LOADING, STALE);
        all.addAll(List.of(flags));
        return new CommandSpec(name, arity, all, keys, RequestPolicy.TRANSACTION, ResponsePolicy.DEFAULT);
    }

    /** EVAL script numkeys key ... arg ...: the script's declared keys, which must share a shard. */
    private static CommandSpec script(String name, CommandFlag... flags) {
        return new CommandSpec(name, -3, flags(flags), KeySpec.counted(2), RequestPolicy.SINGLE_SHARD,
                ResponsePolicy.DEFAULT);
    }

    private static CommandSpec all(String name, int arity, ResponsePolicy merge, CommandFlag... flags) {
        return new CommandSpec(name, arity, flags(flags), KeySpec.NONE, RequestPolicy.ALL_SHARDS, merge);
    }

    private static CommandSpec key(String name, int arity, CommandFlag... flags) {
        return new CommandSpec(name, arity, flags(flags), KeySpec.single(), RequestPolicy.SINGLE_SHARD,
                ResponsePolicy.DEFAULT);
    }

    private static CommandSpec oneShard(String name, int arity, KeySpec keys, CommandFlag... flags) {
        return new CommandSpec(name, arity, flags(flags), keys, RequestPolicy.SINGLE_SHARD, ResponsePolicy.DEFAULT);
    }

    /** Keys counted by an argument (LMPOP numkeys key ...): all on one shard, as in Redis Cluster. */
    private static CommandSpec counted(String name, int arity, int numkeysAt, CommandFlag... flags) {
        return oneShard(name, arity, KeySpec.counted(numkeysAt), flags);
    }

    private static CommandSpec blocking(String name, int arity, KeySpec keys, CommandFlag... flags) {
        return new CommandSpec(name, arity, flags(flags), keys, RequestPolicy.BLOCKING, ResponsePolicy.DEFAULT);
    }

    private static CommandSpec overwrite(String name, int arity, CommandFlag... flags) {
        return new CommandSpec(name, arity, flags(flags), KeySpec.singleOverwritten(), RequestPolicy.SINGLE_SHARD,
                ResponsePolicy.DEFAULT);
    }

    private static CommandSpec keys(String name, int arity, int first, int last, int step, ResponsePolicy merge,
                                    CommandFlag... flags) {
        return new CommandSpec(name, arity, flags(flags), new KeySpec(first, last, step), RequestPolicy.MULTI_SHARD,
                merge);
    }

    private static CommandSpec move(String name, int arity, CommandFlag... flags) {
        return new CommandSpec(name, arity, flags(flags), new KeySpec(1, 2, 1), RequestPolicy.TWO_KEYS_MOVE,
                ResponsePolicy.DEFAULT);
    }
}
