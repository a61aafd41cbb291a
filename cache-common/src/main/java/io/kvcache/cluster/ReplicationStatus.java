package io.kvcache.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a slave stands in its shard's history, as slaves report it to the master (ENROLL and
 * HEARTBEAT arguments) and to each other (the headers of {@code GET /replication/state}): its
 * role and epoch, the stream it follows and how far it has applied it.
 *
 * @param replid the stream it holds a faithful copy of, or null before its first full sync and during one
 */
public record ReplicationStatus(boolean primary, long epoch, String replid, long offset) {

    /** Whether its data is a complete copy of some primary's stream. */
    public boolean synced() {
        return replid != null;
    }

    /** {@code role epoch replid offset}, replid {@code -} when none: the enrollment arguments. */
    public String[] toArgs() {
        return new String[] {primary ? "primary" : "replica", Long.toString(epoch), replid == null ? "-" : replid,
                Long.toString(offset)};
    }

    /** From {@link #toArgs()}; IllegalArgumentException when malformed. */
    public static ReplicationStatus parse(String role, String epoch, String replid, String offset) {
        if (!role.equals("primary") && !role.equals("replica")) {
            throw new IllegalArgumentException("role " + role);
        }
        return new ReplicationStatus(role.equals("primary"), Long.parseLong(epoch), replid.equals("-") ? null : replid,
                Long.parseLong(offset));
    }

    /** As HTTP headers of {@code GET /replication/state}. */
    public Map<String, String> toHeaders() {
        String[] args = toArgs();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(ReplicationHeaders.ROLE, args[0]);
        headers.put(ReplicationHeaders.EPOCH, args[1]);
        headers.put(ReplicationHeaders.REPLID, args[2]);
        headers.put(ReplicationHeaders.OFFSET, args[3]);
        return headers;
    }

    /** From {@link #toHeaders()}, given a lookup of a response's header by name. */
    public static ReplicationStatus fromHeaders(Function<String, Optional<String>> header) {
        return parse(header.apply(ReplicationHeaders.ROLE).orElse("replica"),
                header.apply(ReplicationHeaders.EPOCH).orElse("0"),
                header.apply(ReplicationHeaders.REPLID).orElse("-"),
                header.apply(ReplicationHeaders.OFFSET).orElse("0"));
    }
}
