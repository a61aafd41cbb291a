package io.kvcache.config;

import java.util.Locale;

/**
 * Redis's maxmemory-policy values (server.h MAXMEMORY_*), declared in the order Redis lists them
 * in its CONFIG SET error. What to evict, from which keys, when used memory passes maxmemory.
 */
public enum MaxmemoryPolicy {
    VOLATILE_LRU,
    VOLATILE_LFU,
    VOLATILE_RANDOM,
    VOLATILE_TTL,
    ALLKEYS_LRU,
    ALLKEYS_LFU,
    ALLKEYS_RANDOM,
    NOEVICTION;

    private final String redisName = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /** As CONFIG GET and INFO print it: {@code allkeys-lru}. */
    public String redisName() {
        return redisName;
    }

    /** Only keys with a deadline may be evicted (MAXMEMORY_FLAG_ALLKEYS is not set). */
    public boolean volatileOnly() {
        return name().startsWith("VOLATILE_");
    }

    public boolean lru() {
        return this == VOLATILE_LRU || this == ALLKEYS_LRU;
    }

    /** The policies that keep a frequency counter in each key (MAXMEMORY_FLAG_LFU). */
    public boolean lfu() {
        return this == VOLATILE_LFU || this == ALLKEYS_LFU;
    }

    public boolean random() {
        return this == VOLATILE_RANDOM || this == ALLKEYS_RANDOM;
    }

    /** The policy named so, in any case, or null. */
    public static MaxmemoryPolicy parse(String name) {
        for (MaxmemoryPolicy p : values()) {
            if (p.redisName.equalsIgnoreCase(name)) {
                return p;
            }
        }
        return null;
    }

    /** "volatile-lru, volatile-lfu, ..., noeviction": the list of Redis's error. */
    static String names() {
        StringBuilder out = new StringBuilder();
        for (MaxmemoryPolicy p : values()) {
            out.append(out.isEmpty() ? "" : ", ").append(p.redisName);
        }
        return out.toString();
    }
}
