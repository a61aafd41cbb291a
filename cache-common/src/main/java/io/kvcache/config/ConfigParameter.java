package io.kvcache.config;

import java.nio.charset.StandardCharsets;

import io.kvcache.protocol.RedisNumbers;

/**
 * The parameters CONFIG GET and CONFIG SET know, named and checked as in Redis 7.0
 * (config.c). The eviction settings can change at run time; the rest were fixed when the
 * process started and answer CONFIG SET as Redis's immutable configs do. A parameter Redis
 * has and kvcache does not is unknown here, as CONFIG SET then says.
 */
public enum ConfigParameter {
    MAXMEMORY("maxmemory", Kind.MEMORY, true),
    MAXMEMORY_POLICY("maxmemory-policy", Kind.POLICY, true),
    MAXMEMORY_SAMPLES("maxmemory-samples", Kind.INT, true, 1),
    LFU_LOG_FACTOR("lfu-log-factor", Kind.INT, true, 0),
    LFU_DECAY_TIME("lfu-decay-time", Kind.INT, true, 0),
    /** How long a script runs, in milliseconds, before others get -BUSY (0: never); alias lua-time-limit. */
    BUSY_REPLY_THRESHOLD("busy-reply-threshold", Kind.INT, true, 0),
    /** Which keyspace events slaves publish (K, E and the classes of notify.c); empty: none, Redis's default. */
    NOTIFY_KEYSPACE_EVENTS("notify-keyspace-events", Kind.KEYSPACE_EVENTS, true),
    /** Always yes: a replica takes its primary's evictions as deletions and never evicts itself. */
    REPLICA_IGNORE_MAXMEMORY("replica-ignore-maxmemory", Kind.FIXED, false),
    DATABASES("databases", Kind.FIXED, false),
    MAXCLIENTS("maxclients", Kind.FIXED, false),
    PORT("port", Kind.FIXED, false),
    BIND("bind", Kind.FIXED, false),
    HZ("hz", Kind.FIXED, false),
    PROTO_MAX_BULK_LEN("proto-max-bulk-len", Kind.FIXED, false),
    CLIENT_QUERY_BUFFER_LIMIT("client-query-buffer-limit", Kind.FIXED, false),
    /** Set at start (kvcache.replication.min-replicas-to-write); Redis can change it at run time. */
    MIN_REPLICAS_TO_WRITE("min-replicas-to-write", Kind.FIXED, false),
    SAVE("save", Kind.FIXED, false),
    APPENDONLY("appendonly", Kind.FIXED, false);

    private enum Kind { MEMORY, POLICY, INT, KEYSPACE_EVENTS, FIXED }

    static final String NOT_MEMORY = "argument must be a memory value";
    static final String NOT_INTEGER = "argument couldn't be parsed into an integer";
    static final String IMMUTABLE = "can't set immutable config";

    private final String redisName;
    private final Kind kind;
    private final boolean mutable;
    private final long min;

    ConfigParameter(String redisName, Kind kind, boolean mutable) {
        this(redisName, kind, mutable, 0);
    }

    ConfigParameter(String redisName, Kind kind, boolean mutable, long min) {
        this.redisName = redisName;
        this.kind = kind;
        this.mutable = mutable;
        this.min = min;
    }

    public String redisName() {
        return redisName;
    }

    public boolean mutable() {
        return mutable;
    }

    /** The parameter of that name, in any case, or null. */
    public static ConfigParameter lookup(String name) {
        if (name.equalsIgnoreCase("lua-time-limit")) {
            return BUSY_REPLY_THRESHOLD; // Redis's old name, still answered
        }
        for (ConfigParameter p : values()) {
            if (p.redisName.equalsIgnoreCase(name)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The value in the form CONFIG GET prints (bytes for a memory value, a policy's name in lower
     * case), or throws {@link InvalidValue} with Redis's reason.
     */
    public String canonical(String value) {
        return switch (kind) {
            case MEMORY -> {
                long bytes = MemoryValue.parse(value);
                if (bytes < 0) {
                    throw new InvalidValue(NOT_MEMORY);
                }
                yield Long.toString(bytes);
            }
            case POLICY -> {
                MaxmemoryPolicy policy = MaxmemoryPolicy.parse(value);
                if (policy == null) {
                    throw new InvalidValue("argument(s) must be one of the following: " + MaxmemoryPolicy.names());
                }
                yield policy.redisName();
            }
            case INT -> {
                long n;
                try {
                    n = RedisNumbers.parseLong(value.getBytes(StandardCharsets.ISO_8859_1));
                } catch (RedisNumbers.NotANumber e) {
                    throw new InvalidValue(NOT_INTEGER);
                }
                if (n < min || n > Integer.MAX_VALUE) {
                    throw new InvalidValue("argument must be between " + min + " and " + Integer.MAX_VALUE
                            + " inclusive");
                }
                yield Long.toString(n);
            }
            case KEYSPACE_EVENTS -> {
                int flags = KeyspaceEventFlags.parse(value);
                if (flags < 0) {
                    throw new InvalidValue(KeyspaceEventFlags.INVALID);
                }
                yield KeyspaceEventFlags.format(flags);
            }
            case FIXED -> throw new InvalidValue(IMMUTABLE);
        };
    }

    /** A value this parameter does not take; the message is Redis's reason. */
    public static final class InvalidValue extends RuntimeException {
        public InvalidValue(String reason) {
            super(reason, null, false, false);
        }
    }
}
