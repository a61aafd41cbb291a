package io.kvcache.pubsub;

import java.nio.charset.StandardCharsets;

/**
 * The channels on which a slave tells the masters what changed, for client-side caching (CLIENT
 * TRACKING on the master): published only while someone subscribes to them, so a store whose
 * masters track nothing pays one volatile read per write.
 */
public final class TrackingChannels {

    /** Every key a write, an expiry or an eviction changed, one message per key (Redis's signalModifiedKey). */
    public static final byte[] MODIFIED = "__kvcache__:modified".getBytes(StandardCharsets.US_ASCII);
    /** FLUSHALL or FLUSHDB emptied the store (an empty message). */
    public static final byte[] FLUSHED = "__kvcache__:flushed".getBytes(StandardCharsets.US_ASCII);
    /** Where Redis sends a RESP2 client's invalidations (CLIENT TRACKING ... REDIRECT). */
    public static final byte[] INVALIDATE = "__redis__:invalidate".getBytes(StandardCharsets.US_ASCII);

    private TrackingChannels() {
    }
}
