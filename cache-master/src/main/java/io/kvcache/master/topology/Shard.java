package io.kvcache.master.topology;

import java.util.List;

/**
 * A shard: a name on the hash ring and its replicas. Until replication by the slaves exists,
 * the master sends a write to every live replica and reads from the primary.
 */
public record Shard(String name, List<Replica> replicas) {

    /** The live replica that enrolled first, or null when none is live (CLUSTERDOWN for its keys). */
    public Replica primary() {
        Replica best = null;
        for (Replica r : replicas) {
            if (r.isUp() && (best == null || r.enrolledAtMillis() < best.enrolledAtMillis())) {
                best = r;
            }
        }
        return best;
    }

    public List<Replica> liveReplicas() {
        return replicas.stream().filter(Replica::isUp).toList();
    }

    public boolean isUp() {
        return primary() != null;
    }
}
