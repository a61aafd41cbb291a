package io.kvcache.io;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of I/O threads (by default half the cores), never one per connection. Connections are
 * spread over them in turn; a connection stays on its loop for life.
 */
public final class IoLoops implements AutoCloseable {

    private final IoLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();

    public IoLoops(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("io-threads must be at least 1: " + threads);
        }
        loops = new IoLoop[threads];
        for (int i = 0; i < threads; i++) {
            loops[i] = new IoLoop(name + "-" + i, i);
            loops[i].start();
        }
    }

    /**
     * Half the cores, at least one: the other half is left to the processes beside it (the slaves,
     * the clients, the JIT and GC). On the 2-core benchmark machine one loop per process spent
     * 13.6 µs of master CPU per request at -P 1 where two spent 20.5 µs, the extra threads only
     * switching places with each other (docs/benchmarks.md).
     */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** The loop for the next new connection. */
    public IoLoop next() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }

    /** The loop the caller runs on, or null when it is not one of these. */
    public IoLoop current() {
        for (IoLoop loop : loops) {
            if (loop.inLoop()) {
                return loop;
            }
        }
        return null;
    }

    public IoLoop get(int index) {
        return loops[Math.floorMod(index, loops.length)];
    }

    public int size() {
        return loops.length;
    }

    @Override
    public void close() {
        for (IoLoop loop : loops) {
            loop.shutdown();
        }
    }
}
