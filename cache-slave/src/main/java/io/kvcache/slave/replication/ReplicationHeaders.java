package io.kvcache.slave.replication;

/** The HTTP headers of the replication REST calls between a primary and its replicas. */
final class ReplicationHeaders {

    static final String SECRET = "X-Kvcache-Secret";
    static final String EPOCH = "X-Kvcache-Epoch";
    static final String REPLID = "X-Kvcache-Replid";
    static final String REPLID2 = "X-Kvcache-Replid2";
    static final String OFFSET2 = "X-Kvcache-Offset2";
    static final String OFFSET = "X-Kvcache-Offset";
    static final String ROLE = "X-Kvcache-Role";
    static final String SYNCED = "X-Kvcache-Synced";
    /** Why a replica refused a batch: stale-epoch, not-replica, history or gap. */
    static final String REASON = "X-Kvcache-Reason";

    private ReplicationHeaders() {
    }
}
