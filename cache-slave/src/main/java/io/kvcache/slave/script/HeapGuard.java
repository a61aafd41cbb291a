package io.kvcache.slave.script;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/**
 * Keeps a script from filling the heap the store and every other thread share. A script's memory
 * is the JVM's: a table grown without end would end in an OutOfMemoryError in whichever thread
 * allocated next (an I/O loop, the HTTP plane), harming every client. So the interrupt hook asks
 * here, as it looks at the clock, whether the heap's tenured space is nearly full, and stops the
 * script if so; and {@code string.rep} refuses a result larger than a quarter of the heap at once.
 */
final class HeapGuard {

    static final String MESSAGE = "ERR not enough memory";
    /** The tenured space's share in use past which a running script is stopped. */
    private static final double LIMIT = 0.90;

    private final MemoryPoolMXBean tenured = tenuredPool();

    /** How rarely the guard asks for a full collection before it concludes (one stalls the store). */
    private static final long COLLECT_AT_MOST_EVERY_NANOS = 10_000_000_000L;
    private long lastCollection = System.nanoTime() - COLLECT_AT_MOST_EVERY_NANOS;

    /**
     * Whether the heap is nearly full of live data: when the tenured space looks nearly full, which
     * may be an earlier script's garbage, a full collection settles it, at most once in 10 s.
     */
    boolean exhausted() {
        if (!nearlyFull()) {
            return false;
        }
        if (System.nanoTime() - lastCollection < COLLECT_AT_MOST_EVERY_NANOS) {
            return true;
        }
        lastCollection = System.nanoTime();
        System.gc();
        return nearlyFull();
    }

    /** A script stopped for memory has let go of what it held: collect it now, so the next script finds room. */
    void collectAfterStop() {
        lastCollection = System.nanoTime();
        System.gc();
    }

    /** Whether the heap's long-lived space is nearly full now. */
    private boolean nearlyFull() {
        if (tenured == null) {
            Runtime rt = Runtime.getRuntime();
            return rt.totalMemory() - rt.freeMemory() > LIMIT * rt.maxMemory();
        }
        MemoryUsage usage = tenured.getUsage();
        long max = usage.getMax() > 0 ? usage.getMax() : usage.getCommitted();
        return max > 0 && usage.getUsed() > LIMIT * max;
    }

    /** The largest string one call may build (string.rep): a quarter of the heap. */
    static long largestString() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    private static MemoryPoolMXBean tenuredPool() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            String name = pool.getName();
            if (pool.getType() == MemoryType.HEAP && (name.contains("Old") || name.contains("Tenured"))) {
                return pool;
            }
        }
        return null;
    }
}
