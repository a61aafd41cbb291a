package io.kvcache.slave.store;

/**
 * How much of the JVM's heap maxmemory may claim: half of it (-Xmx, Runtime.maxMemory()). The
 * other half is the JVM's headroom: the garbage collector needs free heap to copy live objects
 * into, and the same heap also holds the replication backlog (64 MB by default), a full sync's
 * chunk, client buffers and the framework. docs/operations.md ("Memory") explains the figure.
 */
public final class HeapBudget {

    public static final int PERCENT = 50;

    private HeapBudget() {
    }

    /** The largest maxmemory this JVM accepts. */
    public static long ceiling() {
        return Runtime.getRuntime().maxMemory() / 100 * PERCENT;
    }

    /** Why this maxmemory cannot be held, or null when it can (0 means no limit, as in Redis). */
    public static String refusal(long maxmemory) {
        long ceiling = ceiling();
        if (maxmemory <= ceiling) {
            return null;
        }
        return "maxmemory " + maxmemory + " is more than " + PERCENT + "% of the JVM heap (max heap "
                + Runtime.getRuntime().maxMemory() + " bytes, so at most " + ceiling + "); give the JVM -Xmx of at least "
                + (maxmemory / PERCENT * 100) + " bytes or lower maxmemory";
    }
}
