package io.kvcache.cluster;

/**
 * The HTTP headers of the replication REST calls: between a primary and its replicas, and from the
 * master reading a slave's state when it elects a primary.
 */
public final class ReplicationHeaders {

    public static final String SECRET = "X-Kvcache-Secret";
    public static final String EPOCH = "X-Kvcache-Epoch";
    public static final String REPLID = "X-Kvcache-Replid";
    public static final String REPLID2 = "X-Kvcache-Replid2";
    public static final String OFFSET2 = "X-Kvcache-Offset2";
    public static final String OFFSET = "X-Kvcache-Offset";
    public static final String ROLE = "X-Kvcache-Role";
    /** Why a replica refused a batch: stale-epoch, not-replica, history or gap. */
    public static final String REASON = "X-Kvcache-Reason";

    private ReplicationHeaders() {
    }
}
