package io.kvcache.slave.store;

import io.kvcache.config.MaxmemoryPolicy;

/**
 * Redis's eviction (evict.c performEvictions): while the store holds more than maxmemory, delete
 * keys chosen by the maxmemory-policy. Not thread-safe: it runs under the dispatcher's lock,
 * before a command, on a slave that takes writes (a replica takes its primary's evictions as
 * DELs instead, as Redis's replica-ignore-maxmemory).
 * <p>
 * The LRU, LFU and TTL policies approximate as Redis does: each round samples
 * maxmemory-samples keys (of all keys, or of those with a deadline), merges them into a pool of
 * the 16 best candidates kept across rounds, sorted by idleness, and evicts the idlest one
 * still stored. The random policies evict a uniformly random key.
 */
public final class Eviction {

    /** EVPOOL_SIZE. */
    static final int POOL_SIZE = 16;

    private final Keyspace db;
    private long maxmemory;
    private MaxmemoryPolicy policy = MaxmemoryPolicy.NOEVICTION;
    private int samples = 5;
    private int lfuLogFactor = 10;
    private int lfuDecayTime = 1;
    private long evictedKeys;

    /** The candidates, idlest last; each with the idleness it had when it was sampled. */
    private final Entry[] pool = new Entry[POOL_SIZE];
    private final long[] poolIdle = new long[POOL_SIZE];
    private int poolSize;

    public Eviction(Keyspace db) {
        this.db = db;
    }

    /**
     * Evicts until used memory is at most maxmemory.
     *
     * @return false when it stays above and nothing (more) may be evicted: Redis's EVICT_FAIL,
     *         upon which DENYOOM commands are refused
     */
    public boolean makeRoom() {
        long used = db.measureMemory();
        if (maxmemory == 0 || used <= maxmemory) {
            return true;
        }
        if (policy == MaxmemoryPolicy.NOEVICTION) {
            return false;
        }
        db.beginCommand(); // idleness is measured at the time of this command
        while (db.usedMemory() > maxmemory) {
            Entry victim = policy.random() ? db.sample(policy.volatileOnly()) : bestCandidate();
            if (victim == null) {
                return false;
            }
            db.evict(victim);
            evictedKeys++;
        }
        return true;
    }

    /** The idlest candidate still stored, refilling the pool as needed; null when there are no keys to sample. */
    private Entry bestCandidate() {
        while (true) {
            if (!populate()) {
                return null;
            }
            for (int k = poolSize - 1; k >= 0; k--) {
                Entry e = pool[k];
                removeFromPool(k);
                if (db.holds(e)) {
                    return e;
                }
            }
        }
    }

    /** evictionPoolPopulate: samples keys into the pool; false when the keys to sample from are none. */
    private boolean populate() {
        boolean withDeadlineOnly = policy.volatileOnly();
        for (int i = 0; i < samples; i++) {
            Entry e = db.sample(withDeadlineOnly);
            if (e == null) {
                return false;
            }
            insert(e, idleness(e));
        }
        return true;
    }

    /** Larger is a better candidate: milliseconds idle, 255 less the LFU counter, or how soon it expires. */
    private long idleness(Entry e) {
        if (policy.lru()) {
            return AccessClock.idleMillis(e.access, db.now());
        }
        if (policy.lfu()) {
            return 255 - AccessClock.lfuDecayed(e.access, db.now(), lfuDecayTime);
        }
        return Long.MAX_VALUE - e.expireAt; // volatile-ttl: the nearest deadline first
    }

    /** Inserts in idleness order; a full pool drops its least idle candidate, or the new one if that is less idle. */
    private void insert(Entry e, long idle) {
        int k = 0;
        while (k < poolSize && poolIdle[k] < idle) {
            k++;
        }
        if (k == 0 && poolSize == POOL_SIZE) {
            return;
        }
        if (poolSize < POOL_SIZE) {
            System.arraycopy(pool, k, pool, k + 1, poolSize - k);
            System.arraycopy(poolIdle, k, poolIdle, k + 1, poolSize - k);
            poolSize++;
        } else {
            k--;
            System.arraycopy(pool, 1, pool, 0, k);
            System.arraycopy(poolIdle, 1, poolIdle, 0, k);
        }
        pool[k] = e;
        poolIdle[k] = idle;
    }

    private void removeFromPool(int k) {
        System.arraycopy(pool, k + 1, pool, k, poolSize - k - 1);
        System.arraycopy(poolIdle, k + 1, poolIdle, k, poolSize - k - 1);
        pool[--poolSize] = null;
    }

    // ---------------------------------------------------------------- settings (CONFIG SET, under the lock)

    public long maxmemory() {
        return maxmemory;
    }

    /** 0 for no limit, as Redis. */
    public void maxmemory(long bytes) {
        this.maxmemory = bytes;
    }

    public MaxmemoryPolicy policy() {
        return policy;
    }

    /** Switches policy; keys keep the stamps of the old one until touched again, as in Redis. */
    public void policy(MaxmemoryPolicy newPolicy) {
        this.policy = newPolicy;
        poolSize = 0;
        java.util.Arrays.fill(pool, null);
        db.accessTracking(newPolicy.lfu(), lfuLogFactor, lfuDecayTime);
    }

    public int samples() {
        return samples;
    }

    public void samples(int n) {
        this.samples = n;
    }

    public int lfuLogFactor() {
        return lfuLogFactor;
    }

    public void lfuLogFactor(int factor) {
        this.lfuLogFactor = factor;
        db.accessTracking(policy.lfu(), lfuLogFactor, lfuDecayTime);
    }

    public int lfuDecayTime() {
        return lfuDecayTime;
    }

    public void lfuDecayTime(int minutes) {
        this.lfuDecayTime = minutes;
        db.accessTracking(policy.lfu(), lfuLogFactor, lfuDecayTime);
    }

    /** INFO evicted_keys. */
    public long evictedKeys() {
        return evictedKeys;
    }

    public void resetStats() {
        evictedKeys = 0;
    }
}
