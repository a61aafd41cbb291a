package io.kvcache.cluster;

/**
 * The HTTP headers of the cluster's own REST calls: replication between a primary and its replicas,
 * the master reading a slave's state when it elects a primary, and keys moving between shards.
 */
public final class ReplicationHeaders {

    public static final String SECRET = "X-Kvcache-Secret";
    public static final String EPOCH = "X-Kvcache-Epoch";
    public static final String REPLID = "X-Kvcache-Replid";
    public static final String REPLID2 = "X-Kvcache-Replid2";
    public static final String OFFSET2 = "X-Kvcache-Offset2";
    public static final String OFFSET = "X-Kvcache-Offset";
    public static final String ROLE = "X-Kvcache-Role";
    /** The session a replica's stream opened, which its acknowledgements name. */
    public static final String SESSION = "X-Kvcache-Session";
    /** The primary's data port, where the replica of a stream sends REPLCONF ACK (docs/replication.md). */
    public static final String ACK_PORT = "X-Kvcache-Ack-Port";
    /** Why a replica refused a batch: stale-epoch, not-replica, history or gap. */
    public static final String REASON = "X-Kvcache-Reason";
    /** The placement version a migration call belongs to (docs/rebalancing.md). */
    public static final String PLACEMENT = "X-Kvcache-Placement";
    /** The shard a migration batch comes from. */
    public static final String SOURCE = "X-Kvcache-Source";

    private ReplicationHeaders() {
    }
}
