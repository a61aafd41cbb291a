package io.kvcache.slave.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.kvcache.protocol.Request;
import io.kvcache.protocol.RespWriter;

/**
 * The store of one slave: keys to values and deadlines (db.c, expire.c). Not thread-safe: the
 * dispatcher runs every command under one lock, so each command is atomic as in Redis.
 * <p>
 * Time is read once per command ({@link #beginCommand()}), as Redis caches mstime per command, so
 * a key cannot expire halfway through one. A key whose deadline has passed is removed when
 * touched (lazy expiry) or by {@link #activeExpireCycle} (Redis's active expiry).
 * <p>
 * It keeps the bytes it holds as they change ({@link #usedMemory()}, Redis's used_memory) and
 * stamps each key it looks up with the access clock the eviction policy reads
 * ({@link Eviction}); lookups that Redis makes with LOOKUP_NOTOUCH ({@link #peek}) do not.
 */
public final class Keyspace {

    private final EntryTable map = new EntryTable();
    private final KeyHashes hashes = new KeyHashes();
    /** Keeps the prefetching loads from being optimized away; never read for anything else. */
    private int prefetched;
    private final DenseArray all = new DenseArray(false);
    private final DenseArray volatiles = new DenseArray(true);
    private final LongSupplier clock;
    private long now;

    private ExpiryMode expiryMode = ExpiryMode.DELETE;
    private Consumer<byte[]> deletionListener = key -> { };
    /** Told apart from the deletion listener: an expiration (keyspace event "expired") or an eviction ("evicted"). */
    private Consumer<byte[]> expiredListener = key -> { };
    private Consumer<byte[]> evictedListener = key -> { };
    private Runnable activeExpiryWanted = () -> { };

    private final UsedMemory memory = new UsedMemory();
    private long peakMemory;
    private int lruClock;
    private boolean lfu;
    private int lfuLogFactor = 10;
    private int lfuDecayMinutes = 1;
    /** Keys whose state a running snapshot has sent carry this generation (see {@link #beginSnapshot}). */
    private int snapshotGeneration;
    private boolean snapshotting;
    /** See {@link #replicateAs}. */
    private Request replicatedAs;
    /** The entry a {@link #walk} is handing to its visitor. */
    private Entry visiting;

    private long hits;
    private long misses;
    private long expiredKeys;

    public Keyspace(LongSupplier clockMillis) {
        this.clock = clockMillis;
        this.now = clockMillis.getAsLong();
    }

    /** Reads the clock once for the command about to run. */
    public void beginCommand() {
        now = clock.getAsLong();
        lruClock = AccessClock.lru(now);
    }

    /** The time of the current command, in Unix milliseconds. */
    public long now() {
        return now;
    }

    /** Lookup for a read: lazily expires, counts keyspace hits and misses. */
    Entry lookupRead(byte[] key) {
        Entry e = lookup(key);
        if (e == null) {
            misses++;
        } else {
            hits++;
        }
        return e;
    }

    /**
     * Lookup without statistics (writes). Expired keys are removed first on a primary, only
     * hidden on a replica (its primary replicates the deletion). Stamps the access clock.
     */
    Entry lookup(byte[] key) {
        Entry e = peek(key);
        if (e != null) {
            touch(e);
        }
        return e;
    }

    /**
     * Before a batch of commands: hashes the keys they will look up (null for a command without one)
     * and brings their buckets and entries, and the values of those whose command reads it
     * (readsValue), into the CPU cache together, overlapping the cache misses that would otherwise
     * come one command at a time. Call {@link #endBatch} after the batch.
     */
    public void prefetch(byte[][] keys, boolean[] readsValue, int n) {
        int[] h = hashes.load(keys, readsValue, n);
        prefetched += map.prefetch(h, hashes.readsValue(), hashes.count());
    }

    /** The batch {@link #prefetch} prepared is done. */
    public void endBatch() {
        hashes.clear();
    }

    /** As {@link #lookup} without stamping the access clock: Redis's LOOKUP_NOTOUCH (EXISTS, TYPE, TTL). */
    Entry peek(byte[] key) {
        Entry e = map.get(key, hashes.of(key));
        if (e != null && isExpired(e)) {
            if (expiryMode == ExpiryMode.DELETE) {
                expire(e);
            }
            return null;
        }
        return e;
    }

    /**
     * True when the entry's deadline has passed (Redis's keyIsExpired: strictly after). Never
     * while a replica applies its primary's stream: there the primary alone decides.
     */
    boolean isExpired(Entry e) {
        return e.expireAt != Entry.NO_EXPIRY && now > e.expireAt && expiryMode != ExpiryMode.KEEP;
    }

    /** Whether this store deletes keys whose deadline passed (a primary or a lone slave). */
    boolean deletesExpired() {
        return expiryMode == ExpiryMode.DELETE;
    }

    public ExpiryMode expiryMode() {
        return expiryMode;
    }

    public void expiryMode(ExpiryMode mode) {
        boolean wakes = mode == ExpiryMode.DELETE && expiryMode != ExpiryMode.DELETE;
        this.expiryMode = mode;
        if (wakes && volatiles.size() > 0) {
            activeExpiryWanted.run();
        }
    }

    /** Whether {@link #activeExpireCycle} has anything to do: a key has a deadline, and this store deletes. */
    public boolean wantsActiveExpiry() {
        return expiryMode == ExpiryMode.DELETE && volatiles.size() > 0;
    }

    /**
     * Told (under the store's lock) when {@link #wantsActiveExpiry()} may have become true: the
     * first key took a deadline, or the store began deleting expired keys.
     */
    public void onActiveExpiryWanted(Runnable listener) {
        this.activeExpiryWanted = listener;
    }

    /**
     * Adds a listener told the key of every entry the store removed on its own: its deadline passed
     * (lazily or actively) or it was evicted. A primary replicates these as DEL; WATCH sees them.
     */
    public void onDeletedByServer(Consumer<byte[]> listener) {
        this.deletionListener = this.deletionListener.andThen(listener);
    }

    /** Told (under the store's lock) the key of every entry whose deadline passed, after its removal. */
    public void onExpired(Consumer<byte[]> listener) {
        this.expiredListener = this.expiredListener.andThen(listener);
    }

    /** Told (under the store's lock) the key of every entry evicted, after its removal. */
    public void onEvicted(Consumer<byte[]> listener) {
        this.evictedListener = this.evictedListener.andThen(listener);
    }

    /** Told of every key created, while clients wait for keys (blocking pops); null otherwise. */
    public interface KeyWatch {
        void created(byte[] key);
    }

    private KeyWatch watch;

    /** Tells watch of every key created from now on; null stops it. */
    public void watch(KeyWatch watch) {
        this.watch = watch;
    }

    /** The type of the key's value as TYPE names it, or null when there is none; no access is recorded. */
    public String typeOf(byte[] key) {
        Entry e = peek(key);
        return e == null ? null : e.typeName();
    }

    Entry add(byte[] key, Value value) {
        if (watch != null) {
            watch.created(key);
        }
        Entry e = new Entry(key, hashes.of(key), value);
        if (snapshotting) {
            e.snapshotMark = snapshotGeneration; // born after the snapshot began: the stream carries it whole
        }
        e.access = lfu ? AccessClock.lfuNew(now) : lruClock;
        map.add(e);
        all.add(e);
        memory.add(Footprint.key(key));
        holdValue(e, value);
        return e;
    }

    /** Replaces an entry's value in place (INCR, APPEND, SETRANGE, ...), keeping its deadline. */
    void replaceValue(Entry e, Value value) {
        memory.add(-valueFootprint(e));
        e.value = value;
        holdValue(e, value);
    }

    private void holdValue(Entry e, Value value) {
        switch (value) {
            case StringValue s -> {
                e.stringFootprint = (int) Footprint.value(s);
                memory.add(e.stringFootprint);
            }
            case QuickList list -> {
                e.stringFootprint = -1;
                memory.add(Footprint.value(list));
                list.meter(memory);
            }
            case HashValue hash -> {
                e.stringFootprint = -1;
                memory.add(Footprint.value(hash));
                hash.meter(memory);
            }
            case SetValue set -> {
                e.stringFootprint = -1;
                memory.add(Footprint.value(set));
                set.meter(memory);
            }
            case ZSetValue zset -> {
                e.stringFootprint = -1;
                memory.add(Footprint.value(zset));
                zset.meter(memory);
            }
        }
    }

    /** {@link Footprint#value} of the entry's value, without reading a string value. */
    /** MEMORY USAGE: the bytes accounted for the key (entry, key, value), or null when it is absent. */
    public Long memoryUsage(byte[] key) {
        Entry e = peek(key);
        return e == null ? null : Footprint.key(e.key) + valueFootprint(e);
    }

    private static long valueFootprint(Entry e) {
        return e.stringFootprint >= 0 ? e.stringFootprint : Footprint.value(e.value);
    }

    /** Redis's lookupKey touch: the LRU clock, or the LFU counter counts one more access. */
    private void touch(Entry e) {
        e.access = lfu ? AccessClock.lfuTouched(e.access, now, lfuLogFactor, lfuDecayMinutes) : lruClock;
    }

    /**
     * Redis's setKey: stores the value, creating the key if needed; drops the deadline unless
     * keepTtl.
     */
    Entry set(byte[] key, Value value, boolean keepTtl) {
        return set(lookup(key), key, value, keepTtl);
    }

    /**
     * As {@link #set(byte[], Value, boolean)} for a key the caller has just looked up (found is
     * what {@link #lookup} answered, null when absent): one hash lookup per SET instead of two.
     */
    Entry set(Entry found, byte[] key, Value value, boolean keepTtl) {
        Entry e = found;
        if (e == null) {
            return add(key, value);
        }
        replaceValue(e, value);
        if (!keepTtl) {
            persist(e);
        }
        return e;
    }

    /** Deletes the key if present (after lazy expiry); true when a live key was deleted. */
    boolean delete(byte[] key) {
        Entry e = lookup(key);
        if (e == null) {
            return false;
        }
        remove(e);
        return true;
    }

    void remove(Entry e) {
        map.remove(e);
        all.remove(e);
        if (e.volatileSlot >= 0) {
            volatiles.remove(e);
        }
        memory.add(-(Footprint.key(e.key) + valueFootprint(e)));
    }

    /** objectSetLRUOrLFU: RESTORE's FREQ under an LFU policy, its IDLETIME under the others; -1 for none. */
    void restoreAccess(Entry e, long lfuFreq, long lruIdleSeconds) {
        if (lfu && lfuFreq >= 0) {
            e.access = AccessClock.lfuWithCounter(now, (int) lfuFreq);
        } else if (!lfu && lruIdleSeconds >= 0) {
            e.access = AccessClock.lruIdle(now, lruIdleSeconds);
        }
    }

    void setExpire(Entry e, long whenMillis) {
        e.expireAt = whenMillis;
        if (e.volatileSlot < 0) {
            volatiles.add(e);
            if (volatiles.size() == 1 && expiryMode == ExpiryMode.DELETE) {
                activeExpiryWanted.run();
            }
        }
    }

    /** Removes the deadline; true if there was one. */
    boolean persist(Entry e) {
        if (e.volatileSlot < 0) {
            return false;
        }
        volatiles.remove(e);
        e.expireAt = Entry.NO_EXPIRY;
        return true;
    }

    private void expire(Entry e) {
        remove(e);
        expiredKeys++;
        deletionListener.accept(e.key);
        expiredListener.accept(e.key);
    }

    /** Evicts an entry: removed, and its deletion replicated as an expiry's is. */
    void evict(Entry e) {
        remove(e);
        deletionListener.accept(e.key);
        evictedListener.accept(e.key);
    }

    /** Whether this entry is still the one stored under its key (an eviction candidate may be stale). */
    boolean holds(Entry e) {
        return e.slot >= 0 && e.slot < all.size() && all.get(e.slot) == e;
    }

    /** A uniformly random entry of every key or of those with a deadline, expired or not; null when none. */
    Entry sample(boolean withDeadlineOnly) {
        DenseArray from = withDeadlineOnly ? volatiles : all;
        int n = from.size();
        return n == 0 ? null : from.get(ThreadLocalRandom.current().nextInt(n));
    }

    /** How lookups stamp keys: LFU stamps (with Redis's lfu-log-factor and lfu-decay-time) or the LRU clock. */
    void accessTracking(boolean lfu, int logFactor, int decayMinutes) {
        this.lfu = lfu;
        this.lfuLogFactor = logFactor;
        this.lfuDecayMinutes = decayMinutes;
    }

    /**
     * The bytes the store holds (Redis's used_memory for kvcache): every key's entry,
     * key and value ({@link Footprint}), plus the hash table's buckets and the two dense arrays.
     */
    public long usedMemory() {
        return memory.bytes() + Footprint.references(map.capacity()) + Footprint.references(all.capacity())
                + Footprint.references(volatiles.capacity());
    }

    /** The keys' and values' part of {@link #usedMemory()}, kept as they change. */
    long dataBytes() {
        return memory.bytes();
    }

    /** {@link #usedMemory()}, remembered as the peak when it is the highest seen (before each command). */
    long measureMemory() {
        long used = usedMemory();
        if (used > peakMemory) {
            peakMemory = used;
        }
        return used;
    }

    /** The most {@link #usedMemory()} has been before a command ran, or is now. */
    public long peakMemory() {
        return Math.max(peakMemory, usedMemory());
    }

    /** Number of keys, including expired ones not yet reclaimed (as Redis's DBSIZE). */
    public int size() {
        return map.size();
    }

    public int volatileCount() {
        return volatiles.size();
    }

    public void clear() {
        map.clear();
        all.clear();
        volatiles.clear();
        memory.reset();
    }

    /** A uniformly random live key, or null when empty (expired picks are reclaimed, as dbRandomKey). */
    Entry randomEntry() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // A replica cannot reclaim expired picks; like Redis it gives up after 100 and returns one.
        int tries = 100;
        while (all.size() > 0) {
            Entry e = all.get(random.nextInt(all.size()));
            if (!isExpired(e)) {
                return e;
            }
            if (expiryMode == ExpiryMode.DELETE) {
                expire(e);
            } else if (--tries == 0) {
                return e;
            }
        }
        return null;
    }

    /**
     * One SCAN step. The cursor counts the positions of the dense key array not yet visited,
     * walking from the end down: a removal moves the last entry (already visited, or itself
     * unvisited and staying below the cursor) into the hole, so every key present for the whole
     * iteration is returned at least once, as SCAN guarantees.
     *
     * @param cursor 0 to start; otherwise a value this method returned
     * @return the next cursor (0 when done); visited entries go to out
     */
    long scan(long cursor, long count, List<Entry> out) {
        long position = cursor == 0 || Long.compareUnsigned(cursor, all.size()) > 0 ? all.size() : cursor;
        long steps = Math.max(1, count);
        while (position > 0 && steps-- > 0) {
            out.add(all.get((int) --position));
        }
        if (position == 0) {
            return 0;
        }
        // A cursor is never 0 mid-iteration; positions are >= 1 here.
        return position;
    }

    /**
     * Whether the key is live here (a primary reclaims it first if its deadline passed); no
     * statistics, no access stamp (the key-ownership fence asks, not a client).
     */
    public boolean exists(byte[] key) {
        return peek(key) != null;
    }

    /**
     * One step of a walk over every key, from the end of the dense array down as {@link #scan}
     * does, so every key present for the whole walk is visited at least once. Keys whose deadline
     * passed are reclaimed (on a primary) or skipped (on a replica), not visited.
     *
     * @param cursor 0 to start, else what the previous step returned
     * @param visitor told each live key; returns false to end the step after that key
     * @return the next cursor, 0 when every key has been visited
     */
    public long walk(long cursor, int steps, java.util.function.Predicate<byte[]> visitor) {
        long position = cursor == 0 || cursor > all.size() ? all.size() : cursor;
        while (position > 0 && steps-- > 0) {
            Entry e = all.get((int) --position);
            if (isExpired(e)) {
                if (expiryMode == ExpiryMode.DELETE) {
                    expire(e);
                }
                continue;
            }
            visiting = e;
            boolean more = visitor.test(e.key);
            visiting = null;
            if (!more) {
                break;
            }
        }
        return position;
    }

    /**
     * Inside a {@link #walk} visitor: writes the state of the key being visited as
     * {@link #encodeState} does, without looking it up again.
     */
    public void encodeVisited(RespWriter out) {
        StateEncoder.encodeValue(visiting, out);
    }

    /** Every entry (for KEYS); the caller filters expired ones without deleting them, as Redis. */
    List<Entry> entries() {
        List<Entry> list = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            list.add(all.get(i));
        }
        return list;
    }

    /**
     * Redis's activeExpireCycle (expire.c), simplified: sample 20 keys with a deadline, remove
     * the expired ones, and repeat while more than a quarter of the sample had expired and the
     * time budget allows.
     *
     * @return keys removed
     */
    public int activeExpireCycle(long budgetNanos) {
        if (expiryMode != ExpiryMode.DELETE) {
            return 0;
        }
        long deadline = System.nanoTime() + budgetNanos;
        beginCommand();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int removed = 0;
        while (volatiles.size() > 0) {
            int sample = Math.min(20, volatiles.size());
            int expired = 0;
            for (int i = 0; i < sample && volatiles.size() > 0; i++) {
                Entry e = volatiles.get(random.nextInt(volatiles.size()));
                if (isExpired(e)) {
                    expire(e);
                    expired++;
                }
            }
            removed += expired;
            if (expired * 4 <= sample || System.nanoTime() > deadline) {
                break;
            }
        }
        return removed;
    }

    /**
     * Starts a snapshot that runs while writes continue. Every key is sent exactly once: either
     * by {@link #snapshotStep} or, if a write touches it first, by {@link #transferBeforeWrite}
     * just ahead of that write in the replication stream. Keys created meanwhile are not sent at
     * all: the stream has their whole history.
     */
    public void beginSnapshot() {
        snapshotGeneration++;
        snapshotting = true;
    }

    public void endSnapshot() {
        snapshotting = false;
    }

    public boolean isSnapshotting() {
        return snapshotting;
    }

    /** During a snapshot: writes the key's current state to out if the snapshot has not sent it yet. */
    public void transferBeforeWrite(byte[] key, RespWriter out) {
        if (!snapshotting) {
            return;
        }
        Entry e = map.get(key, Entry.hash(key));
        if (e != null && e.snapshotMark != snapshotGeneration) {
            e.snapshotMark = snapshotGeneration;
            StateEncoder.encode(e, out);
        }
    }

    /**
     * One step of a snapshot: writes the state of keys not yet sent, walking the dense array from
     * the end down as {@link #scan} does (so every key present throughout is visited), until out
     * holds at least {@code byteBudget} bytes.
     *
     * @param cursor 0 to start, else what the previous step returned
     * @return the next cursor, 0 when every key has been visited
     */
    public long snapshotStep(long cursor, int byteBudget, RespWriter out) {
        long position = cursor == 0 || cursor > all.size() ? all.size() : cursor;
        while (position > 0 && out.size() < byteBudget) {
            Entry e = all.get((int) --position);
            if (e.snapshotMark != snapshotGeneration) {
                e.snapshotMark = snapshotGeneration;
                StateEncoder.encode(e, out);
            }
        }
        return position;
    }

    /** The commands that recreate the key as it is now, or a DEL when it does not exist. */
    /**
     * Redis's rewriteClientCommandVector: the command running now reaches replicas as effect
     * instead of as it came (SPOP as the SREM of what it popped). Taken by the replication log
     * once the command is done, under the store's lock.
     */
    void replicateAs(Request effect) {
        replicatedAs = effect;
    }

    /** Whether the command that just ran asked to reach replicas as something ({@link #replicateAs}). */
    public boolean hasReplicatedAs() {
        return replicatedAs != null;
    }

    /** What the command that just ran asked to reach replicas as, or null; clears it. */
    public Request takeReplicatedAs() {
        Request effect = replicatedAs;
        replicatedAs = null;
        return effect;
    }

    public void encodeState(byte[] key, RespWriter out) {
        Entry e = map.get(key, Entry.hash(key));
        if (e == null) {
            StateEncoder.delete(key, out);
        } else {
            StateEncoder.encodeValue(e, out);
        }
    }

    /** PEXPIREAT, PERSIST or DEL: the key's deadline as it is now. */
    public void encodeDeadline(byte[] key, RespWriter out) {
        Entry e = map.get(key, Entry.hash(key));
        if (e == null) {
            StateEncoder.delete(key, out);
        } else {
            StateEncoder.encodeDeadline(e, out);
        }
    }

    /** An order-independent digest of every key, value and deadline (to compare replicas). */
    public long digest() {
        long digest = 0;
        for (int i = 0; i < all.size(); i++) {
            digest += StateEncoder.digest(all.get(i));
        }
        return digest ^ all.size();
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    public long expiredKeys() {
        return expiredKeys;
    }

    /** CONFIG RESETSTAT: keyspace hits, misses and expired keys start again from 0. */
    public void resetStats() {
        hits = 0;
        misses = 0;
        expiredKeys = 0;
    }

    /** Keys with a deadline and the mean time left, for INFO keyspace's avg_ttl. */
    public long averageTtl() {
        int n = volatiles.size();
        if (n == 0) {
            return 0;
        }
        int sample = Math.min(n, 100);
        long sum = 0;
        for (int i = 0; i < sample; i++) {
            sum += Math.max(0, volatiles.get(i).expireAt - now);
        }
        return sum / sample;
    }
}
