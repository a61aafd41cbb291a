package io.kvcache.slave.replication;

/**
 * Where a slave's data stands in its shard's history: the stream it follows (replid, null
 * before its first full sync) and how far it has applied it (offset).
 *
 * @param synced whether the data is a faithful prefix of that stream (false during a full sync)
 */
public record ReplicationState(Role role, long epoch, String replid, long offset, boolean synced) {

    /** As sent to the master: {@code role epoch replid offset} (replid {@code -} when none). */
    public String[] toArgs() {
        return new String[] {role.name().toLowerCase(java.util.Locale.ROOT), Long.toString(epoch),
                replid == null || !synced ? "-" : replid, Long.toString(offset)};
    }
}
