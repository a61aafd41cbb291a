package io.kvcache.master.topology;

/**
 * What a slave says of its replication state, on enrollment and every heartbeat (and over REST
 * when the master elects a primary): its role and epoch, the stream it follows (null before its
 * first full sync) and its offset in it.
 */
public record ReplicaReport(boolean primary, long epoch, String replid, long offset) {

    public static final ReplicaReport UNKNOWN = new ReplicaReport(false, 0, null, 0);

    /** From the enrollment arguments {@code role epoch replid offset} ({@code -} for no replid). */
    public static ReplicaReport parse(String role, String epoch, String replid, String offset) {
        return new ReplicaReport(role.equals("primary"), Long.parseLong(epoch), replid.equals("-") ? null : replid,
                Long.parseLong(offset));
    }

    /** Whether its data is a faithful copy of some primary's stream (it has completed a sync). */
    public boolean synced() {
        return replid != null;
    }
}
