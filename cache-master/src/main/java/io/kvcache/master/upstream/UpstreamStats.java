package io.kvcache.master.upstream;

import java.util.concurrent.atomic.LongAdder;

/**
 * Requests the master sent to one shard's slaves: how many await a reply (the proxy's queue
 * depth, twemproxy's in_queue) and how many failed because a connection broke or could not be
 * made (its forward_error). Shared by every pool of the shard, so it outlives re-enrollments.
 */
public final class UpstreamStats {

    private final LongAdder sent = new LongAdder();
    private final LongAdder settled = new LongAdder();
    private final LongAdder lost = new LongAdder();

    void sent() {
        sent.increment();
    }

    void answered() {
        settled.increment();
    }

    void lost() {
        settled.increment();
        lost.increment();
    }

    /** Requests sent and not yet answered or failed. */
    public long inFlight() {
        return Math.max(0, sent.sum() - settled.sum());
    }

    /** Requests that failed for want of a connection to the slave. */
    public long lostTotal() {
        return lost.sum();
    }
}
