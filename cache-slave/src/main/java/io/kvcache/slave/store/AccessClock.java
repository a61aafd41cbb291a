package io.kvcache.slave.store;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The 24-bit access stamp Redis keeps in every object (evict.c, server.h LRU_BITS) and kvcache
 * keeps in {@code Entry.access}: under an LRU or random policy the LRU clock, seconds modulo
 * 2^24; under an LFU policy 16 bits of minutes (when the counter last decayed) and an 8-bit
 * logarithmic access counter.
 */
final class AccessClock {

    static final int LRU_CLOCK_MAX = (1 << 24) - 1;
    static final int LRU_CLOCK_RESOLUTION = 1000;
    /** A new key's counter, so that it is not evicted before it had a chance to be read again. */
    static final int LFU_INIT_VAL = 5;

    private AccessClock() {
    }

    /** The LRU clock at this time (Redis's LRU_CLOCK()). */
    static int lru(long nowMillis) {
        return (int) ((nowMillis / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX);
    }

    /** estimateObjectIdleTime: milliseconds since the stamp, one wrap of the clock at most. */
    static long idleMillis(int stamp, long nowMillis) {
        int clock = lru(nowMillis);
        long ticks = clock >= stamp ? clock - stamp : clock + (LRU_CLOCK_MAX - stamp);
        return ticks * LRU_CLOCK_RESOLUTION;
    }

    /** A new key's LFU stamp: this minute, counter LFU_INIT_VAL. */
    static int lfuNew(long nowMillis) {
        return (minutes(nowMillis) << 8) | LFU_INIT_VAL;
    }

    /** RESTORE ... FREQ f: this minute, counter f. */
    static int lfuWithCounter(long nowMillis, int counter) {
        return (minutes(nowMillis) << 8) | counter;
    }

    /** RESTORE ... IDLETIME s: the LRU clock s seconds ago (objectSetLRUOrLFU, wrapping as it does). */
    static int lruIdle(long nowMillis, long idleSeconds) {
        long clock = lru(nowMillis);
        long stamp = clock - idleSeconds * 1000 / LRU_CLOCK_RESOLUTION;
        return (int) (stamp < 0 ? (clock + LRU_CLOCK_MAX / 2) % LRU_CLOCK_MAX : stamp);
    }

    /** updateLFU: decay the counter for the minutes that passed, then count this access. */
    static int lfuTouched(int stamp, long nowMillis, int logFactor, int decayMinutes) {
        int counter = lfuLogIncr(lfuDecayed(stamp, nowMillis, decayMinutes), logFactor);
        return (minutes(nowMillis) << 8) | counter;
    }

    /** LFUDecrAndReturn: the counter less one per decay period since the stamp. */
    static int lfuDecayed(int stamp, long nowMillis, int decayMinutes) {
        int counter = stamp & 255;
        if (decayMinutes == 0) {
            return counter;
        }
        int last = stamp >>> 8;
        int now = minutes(nowMillis);
        int elapsed = now >= last ? now - last : 65535 - last + now;
        int periods = elapsed / decayMinutes;
        return periods > counter ? 0 : counter - periods;
    }

    /** LFULogIncr: the higher the counter, the less likely an access increments it. */
    static int lfuLogIncr(int counter, int logFactor) {
        if (counter == 255) {
            return 255;
        }
        double r = ThreadLocalRandom.current().nextDouble();
        double base = Math.max(0, counter - LFU_INIT_VAL);
        double p = 1.0 / (base * logFactor + 1);
        return r < p ? counter + 1 : counter;
    }

    /** LFUGetTimeInMinutes: minutes modulo 2^16. */
    private static int minutes(long nowMillis) {
        return (int) ((nowMillis / 60_000) & 65535);
    }
}
