package io.kvcache.master.topology;

import java.util.List;

/**
 * A shard: a name on the hash ring, its replicas, and the primary the master elected at the
 * shard's current epoch. Every command for the shard's keys goes to the primary.
 *
 * @param epoch bumped at every election; 0 before the first
 * @param primaryId the elected primary, or null while none is
 * @param inSync the replicas besides the primary that hold every acknowledged write, as the primary
 *               reported them (the only ones an election may pick); null while not known
 * @param minReplicasToWrite the primary's min-replicas-to-write, as its heartbeats say; null while
 *                           not known
 */
public record Shard(String name, List<Replica> replicas, long epoch, String primaryId, List<String> inSync,
                    Integer minReplicasToWrite) {

    /** The elected primary when it is live, or null (CLUSTERDOWN for its keys until an election). */
    public Replica primary() {
        for (Replica r : replicas) {
            if (r.id().equals(primaryId)) {
                return r.isUp() ? r : null;
            }
        }
        return null;
    }

    public List<Replica> liveReplicas() {
        return replicas.stream().filter(Replica::isUp).toList();
    }

    public boolean isUp() {
        return primary() != null;
    }

    /**
     * Whether the shard may take keys from others (join the ring): it has a primary that reported
     * its min-replicas-to-write, and at least that many replicas in sync. Before that its primary
     * would hold the moved keys alone (or refuse them with NOREPLICAS).
     */
    public boolean meetsMinReplicas() {
        return isUp() && minReplicasToWrite != null && inSync != null && inSync.size() >= minReplicasToWrite;
    }
}
