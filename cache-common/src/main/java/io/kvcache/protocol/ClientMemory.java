package io.kvcache.protocol;

import java.util.concurrent.atomic.AtomicLong;

import io.kvcache.config.MemoryValue;

/**
 * The heap all clients of a process may hold at once in requests still arriving and replies not
 * yet sent (Redis 7's {@code maxmemory-clients}). A JVM that runs out of heap fails every client
 * (and, with {@code -XX:+ExitOnOutOfMemoryError}, exits), so a client whose request or reply would
 * take more than is left is closed instead, as at {@code client-query-buffer-limit}: its memory
 * is released and nobody else notices.
 * <p>
 * Each connection holds its first {@link #FREE_PER_CLIENT} bytes without asking, so ordinary
 * requests and replies never touch the shared counter; beyond that it reserves in steps of at
 * least {@link #STEP}, so a large request costs one atomic update per megabyte.
 */
public final class ClientMemory {

    /** What a connection may hold without reserving: buffers of ordinary requests and replies. */
    public static final long FREE_PER_CLIENT = 256 * 1024;
    /** The smallest reservation, so that growth by many small pieces is not a hot counter. */
    public static final long STEP = 1024 * 1024;

    /** No limit: reservations always succeed and are not even counted. */
    public static final ClientMemory UNLIMITED = new ClientMemory(Long.MAX_VALUE);

    private final long capacity;
    private final AtomicLong used = new AtomicLong();

    public ClientMemory(long capacity) {
        this.capacity = capacity <= 0 ? Long.MAX_VALUE : capacity;
    }

    /**
     * A budget from Redis's syntax: {@code 0} for none, a size ({@code 512mb}), or a percentage of
     * the JVM's maximum heap ({@code 50%}; Redis takes it of maxmemory).
     */
    public static ClientMemory parse(String value) {
        String v = value.trim();
        if (v.endsWith("%")) {
            double percent = Double.parseDouble(v.substring(0, v.length() - 1));
            if (!(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException("maxmemory-clients percentage must be in (0, 100]: " + value);
            }
            return new ClientMemory((long) (Runtime.getRuntime().maxMemory() * percent / 100));
        }
        long bytes = MemoryValue.parse(v);
        if (bytes < 0) {
            throw new IllegalArgumentException("maxmemory-clients is a size, a percentage or 0: " + value);
        }
        return bytes == 0 ? UNLIMITED : new ClientMemory(bytes);
    }

    public long capacity() {
        return capacity;
    }

    /** Bytes reserved now by all connections (beyond what each holds for free). */
    public long used() {
        return used.get();
    }

    /** Takes bytes from the budget; false (and nothing taken) when they are not there. */
    public boolean tryReserve(long bytes) {
        if (capacity == Long.MAX_VALUE) {
            return true;
        }
        long now = used.addAndGet(bytes);
        if (now > capacity) {
            used.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    public void release(long bytes) {
        if (capacity != Long.MAX_VALUE && bytes != 0) {
            used.addAndGet(-bytes);
        }
    }

    /**
     * One connection's share: what it reserved, and the growth rule. Its connection's thread grows
     * it; the thread that sees the connection close gives it back, hence the lock (taken only when
     * a buffer grows past its size, never per request).
     */
    public final class Share {

        private volatile long reserved;
        private boolean closed;

        /**
         * Makes sure the connection may hold {@code holding} bytes in all.
         *
         * @return false when the budget cannot cover it (or the share is closed): the connection must be closed
         */
        public boolean cover(long holding) {
            long needed = holding - FREE_PER_CLIENT;
            if (needed <= 0 || capacity == Long.MAX_VALUE) {
                return true; // the common case: no lock, no shared counter
            }
            synchronized (this) {
                if (closed) {
                    return false;
                }
                if (needed <= reserved) {
                    return true;
                }
                long more = Math.max(needed - reserved, STEP);
                if (!tryReserve(more)) {
                    return false;
                }
                reserved += more;
                return true;
            }
        }

        /** Gives back what is reserved beyond {@code holding} bytes. */
        public void shrinkTo(long holding) {
            long keep = Math.max(0, holding - FREE_PER_CLIENT);
            if (reserved <= keep) {
                return;
            }
            synchronized (this) {
                if (keep < reserved) {
                    release(reserved - keep);
                    reserved = keep;
                }
            }
        }

        /** Gives everything back for good: the connection is gone. */
        public synchronized void close() {
            closed = true;
            release(reserved);
            reserved = 0;
        }

        public long reserved() {
            return reserved;
        }

        public ClientMemory budget() {
            return ClientMemory.this;
        }
    }

    public Share share() {
        return new Share();
    }
}
